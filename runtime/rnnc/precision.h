// -precision: fp32 (darknet-exact, the default) or bf16 (inference weights
// in bfloat16, half the memory traffic, float accumulation). One setting for
// the whole program, read when the layers prepare their weights.
#pragma once

namespace rnnc {

enum class Precision { Fp32, Bf16 };
inline Precision& weight_precision() {
  static Precision p = Precision::Fp32;
  return p;
}

}  // namespace rnnc
