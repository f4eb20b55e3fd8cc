// [dropout] on a CUDA device: the identity at inference, a device-to-device
// copy. In training the numbers are drawn on the host, from the program's
// training generator in the CPU's order (layers/dropout.h), and copied to
// the device, where the mask is applied: the draws, and so the weights, are
// the CPU's whichever device trains.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "../cuda/train.cuh"
#include "../error.h"
#include "../train/noise.h"
#include "dropout.h"  // the primary template, dropout_probability, dropout_scale
#include "layer.h"

namespace rnnc::layers {

namespace dropout_cuda {
// y = 0 where r < p, else x * scale.
__global__ void mask_forward(const float* r, const float* x, float p, float scale, float* y, size_t n) {
  const size_t i = cuda::point_index();
  if (i < n) y[i] = r[i] < p ? 0.f : x[i] * scale;
}
// dx += delta * scale where the element was kept.
__global__ void mask_backward(const float* r, const float* delta, float p, float scale, float* dx, size_t n) {
  const size_t i = cuda::point_index();
  if (i < n && !(r[i] < p)) dx[i] += delta[i] * scale;
}
}  // namespace dropout_cuda

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

  // ---- Training on the device (train) ----
  static float probability() { return dropout_probability<PROBABILITY_BITS>(); }
  static float scale() { return dropout_scale<PROBABILITY_BITS>(); }
  struct Train {
    static constexpr size_t count = size_t(STEPS) * STREAMS * IN;
    std::vector<float> r_host;          // the draws, as the CPU's layer keeps them
    cuda::DeviceArray r, y, delta;      // delta: -dL/dy, filled by the next layer
    bool drawn = false;
    Train() : r_host(count), r(count), y(count), delta(count) {}
  };
  std::unique_ptr<Train> t;
  train::Noise* noise = nullptr;
  void train_begin(train::Noise& nz) {
    noise = &nz;
    t.reset(new Train());
  }
  std::vector<cuda::TrainDense*> train_dense() { return {}; }
  const real* train_output() { return t->y.data(); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { t->delta.zero(); }
  void forward(const real* x) {
    Train& L = *t;
    if (!noise->frozen || !L.drawn) {
      if (!noise->rng) fail("internal error: a [dropout] layer was given no training generator");
      for (float& v : L.r_host) v = noise->rng->uniform(0, 1);
      L.r.upload(L.r_host);
      L.drawn = true;
    }
    dropout_cuda::mask_forward<<<cuda::point_blocks(Train::count), cuda::kPointThreads>>>(
        L.r.data(), x, probability(), scale(), L.y.data(), Train::count);
    RNNC_CUDA_LAUNCHED();
  }
  void backward(const real*, real* dx) {
    Train& L = *t;
    dropout_cuda::mask_backward<<<cuda::point_blocks(Train::count), cuda::kPointThreads>>>(
        L.r.data(), L.delta.data(), probability(), scale(), dx, Train::count);
    RNNC_CUDA_LAUNCHED();
  }
};

}  // namespace rnnc::layers
