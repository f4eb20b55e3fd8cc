// The one SIMD vocabulary of the kernels: a register of T and the few
// operations the kernels use on it (load, store, zero, broadcast, add, mul,
// fmadd, an ordered horizontal sum, a prefetch), defined once per
// instruction set and chosen by the compiler's predefined macros (-march):
//   AVX-512 (__AVX512F__): 16 floats a register;
//   AVX2 with FMA (__AVX2__ and __FMA__, x86-64-v3): 8 floats;
//   anything else, and any T but float (double, for gradcheck): 64 bytes of
//   T in a plain array, whose loops the compiler vectorises as it can.
// A kernel is written once against Vec<T>. Each lane does exactly the
// arithmetic the kernel names, mul and add two roundings, fmadd one, so a
// kernel gives the same bits on every instruction set wherever its order of
// sums does not depend on the register width. Kernels whose instructions
// have no counterpart elsewhere (bf16 dot products: AVX512-BF16's vdpbf16ps,
// AVX2's bf16 pairs) are the only ones written per instruction set.
#pragma once
#include <cstdint>

#include "bf16.h"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace rnnc {

// Fused multiply-add: one rounding (one instruction where the CPU has FMA).
inline float fmadd(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
inline double fmadd(double a, double b, double c) { return __builtin_fma(a, b, c); }

namespace simd {

enum class Isa { Portable, Avx2, Avx512 };

// The portable register: 64 bytes of T, lane by lane.
template <class T>
struct Vec {
  static constexpr int kWidth = static_cast<int>(64 / sizeof(T));
  struct Reg {
    T v[kWidth];
  };
  static Reg zero() {
    Reg r;
    for (int l = 0; l < kWidth; ++l) r.v[l] = T(0);
    return r;
  }
  static Reg load(const T* p) {
    Reg r;
    for (int l = 0; l < kWidth; ++l) r.v[l] = p[l];
    return r;
  }
  // kWidth bf16 values, widened.
  static Reg load(const uint16_t* p) {
    Reg r;
    for (int l = 0; l < kWidth; ++l) r.v[l] = T(from_bf16(p[l]));
    return r;
  }
  static void store(T* p, Reg a) {
    for (int l = 0; l < kWidth; ++l) p[l] = a.v[l];
  }
  static Reg broadcast(T a) {
    Reg r;
    for (int l = 0; l < kWidth; ++l) r.v[l] = a;
    return r;
  }
  static Reg add(Reg a, Reg b) {
    for (int l = 0; l < kWidth; ++l) a.v[l] = a.v[l] + b.v[l];
    return a;
  }
  static Reg mul(Reg a, Reg b) {
    for (int l = 0; l < kWidth; ++l) a.v[l] = a.v[l] * b.v[l];
    return a;
  }
  // a * b + c, one rounding.
  static Reg fmadd(Reg a, Reg b, Reg c) {
    for (int l = 0; l < kWidth; ++l) c.v[l] = rnnc::fmadd(a.v[l], b.v[l], c.v[l]);
    return c;
  }
};

#if defined(__AVX512F__)
inline constexpr Isa kIsa = Isa::Avx512;
template <>
struct Vec<float> {
  static constexpr int kWidth = 16;
  using Reg = __m512;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load(const uint16_t* p) {
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16));
  }
  static void store(float* p, Reg a) { _mm512_storeu_ps(p, a); }
  static Reg broadcast(float a) { return _mm512_set1_ps(a); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
};
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr Isa kIsa = Isa::Avx2;
template <>
struct Vec<float> {
  static constexpr int kWidth = 8;
  using Reg = __m256;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load(const uint16_t* p) {
    return _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
  }
  static void store(float* p, Reg a) { _mm256_storeu_ps(p, a); }
  static Reg broadcast(float a) { return _mm256_set1_ps(a); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
};
#else
inline constexpr Isa kIsa = Isa::Portable;
#endif

// The lanes of Q registers summed one after another, lane 0 of the first
// register first: the order of a plain loop over the lanes (not a tree).
template <class T, int Q>
inline T sum_lanes(const typename Vec<T>::Reg (&r)[Q]) {
  constexpr int W = Vec<T>::kWidth;
  alignas(64) T lanes[Q * W];
  for (int q = 0; q < Q; ++q) Vec<T>::store(lanes + q * W, r[q]);
  T s = 0;
  for (int l = 0; l < Q * W; ++l) s += lanes[l];
  return s;
}

// Asks for the cache line at p (into every cache level), for reading.
inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

}  // namespace simd
}  // namespace rnnc
