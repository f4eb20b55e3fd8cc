// [dropout] on a CUDA device: the identity at inference (layers/dropout.h
// holds its training), a device-to-device copy.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "layer.h"

namespace rnnc::layers {

template <int IN, int OUT, std::uint32_t PROBABILITY_BITS, int STEPS, int STREAMS, class Backend>
struct Dropout;

template <int IN, int OUT, std::uint32_t PROBABILITY_BITS, int STEPS, int STREAMS>
struct Dropout<IN, OUT, PROBABILITY_BITS, STEPS, STREAMS, Cuda> : cuda::DeviceOutput {
  static_assert(IN == OUT, "a dropout has as many outputs as inputs");
  static constexpr int kIn = IN, kOut = OUT, kSublayers = 0;
  Dropout(const std::string&, bool) {}
  std::vector<DenseParams*> in_file_order() { return {}; }
  std::vector<DenseParams*> in_build_order() { return {}; }
  void prepare_device() { reset_batch(1); }
  void reset_batch(int samples) {
    n = samples;
    allocate_output(OUT);
  }
  void reset_state() {}
  void identity(const real* x) { out.copy_from(x, out.size()); }

  // ---- persistent generation (cuda/persistent.cuh): no phase, the input is the output ----
  struct Persistent {
    __device__ void load_rows(const cuda::Ctx&) const {}
    __device__ const float* run(const cuda::Ctx&, cooperative_groups::grid_group&, const float* x, cuda::OneHot,
                                long long) const {
      return x;
    }
  };
  void persistent(Persistent&, cuda::PhaseList&, bool gathered) {
    if (gathered) fail("a [dropout] cannot be the first layer");
  }
};

}  // namespace rnnc::layers
