// bfloat16 storage for weights (-precision bf16): the top half of a float.
#pragma once
#include <cstdint>
#include <cstring>

namespace rnnc {

// Round to nearest even, as hardware conversions do. A select, not a
// branch, so that loops of conversions vectorise.
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7f800000u) == 0x7f800000u ? u >> 16 : rounded);  // inf, nan: cut
}

inline float from_bf16(uint16_t h) { return __builtin_bit_cast(float, static_cast<uint32_t>(h) << 16); }

// Widens a stored weight to arithmetic precision, whatever it is stored in.
template <class T>
inline T widen(T x) { return x; }
inline float widen(uint16_t h) { return from_bf16(h); }

}  // namespace rnnc
