// -precision: fp32 (darknet-exact, the default), bf16 (inference weights
// in bfloat16, half the memory traffic, float accumulation) or int8 (weights
// in bytes with a scale a row, activations quantised a vector at a time,
// exact integer sums: a quarter of the traffic; dense/int8.h). One setting
// for the whole program, read when the layers prepare their weights.
#pragma once

namespace rnnc {

enum class Precision { Fp32, Bf16, Int8 };
inline Precision& weight_precision() {
  static Precision p = Precision::Fp32;
  return p;
}

}  // namespace rnnc
