// [softmax] on a CUDA device, one character at a time: the same class as
// layers/softmax.h, specialised on the Cuda tag. One block per group: the
// largest logit, exp in double (as softmax_group calls it), the sum, the
// division; the sum runs as a tree, so it may differ from the CPU's
// sequential float sum in the last bits.
#pragma once
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "layer.h"

namespace rnnc::layers {

template <int IN, int N, int GROUPS, int STEPS, int STREAMS, class Backend>
struct Softmax;

namespace softmax_cuda {
constexpr int kThreads = 256;
// Reduces v over the block with op; every thread gets the result.
template <class Op>
__device__ float block_reduce(float v, float* shared, Op op) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) shared[threadIdx.x] = op(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  float r = shared[0];
  __syncthreads();
  return r;
}
// One block per group (blockIdx.x) and sample (blockIdx.y); x and y are [n][groups * group].
__global__ void softmax_kernel(const float* x, int group, float temperature, float* y) {
  __shared__ float shared[kThreads];
  const size_t at = (size_t(blockIdx.y) * gridDim.x + blockIdx.x) * group;
  const float* in = x + at;
  float* out = y + at;
  float largest = -3.402823466e+38f;
  for (int i = threadIdx.x; i < group; i += kThreads) largest = fmaxf(largest, in[i]);
  largest = block_reduce(largest, shared, [](float a, float b) { return fmaxf(a, b); });
  float sum = 0;
  for (int i = threadIdx.x; i < group; i += kThreads) {
    float e = static_cast<float>(exp(static_cast<double>(in[i] / temperature - largest / temperature)));
    out[i] = e;
    sum += e;
  }
  sum = block_reduce(sum, shared, [](float a, float b) { return a + b; });
  for (int i = threadIdx.x; i < group; i += kThreads) out[i] /= sum;
}
}  // namespace softmax_cuda

template <int IN, int N, int GROUPS, int STEPS, int STREAMS>
struct Softmax<IN, N, GROUPS, STEPS, STREAMS, Cuda> : cuda::DeviceOutput {
  static_assert(IN == N && N % GROUPS == 0, "a softmax has as many outputs as inputs, in whole groups");
  static constexpr int kIn = N, kOut = N, kSublayers = 0, kGroup = N / GROUPS;
  Softmax(const std::string&, bool) {}
  std::vector<DenseParams*> in_file_order() { return {}; }
  std::vector<DenseParams*> in_build_order() { return {}; }
  void prepare_device() { reset_batch(1); }
  // n samples: y is [n][N], sample-major, as generate -n's sampler reads it.
  void reset_batch(int samples) {
    n = samples;
    allocate_output(N);
  }
  void reset_state() {}
  void softmax(const real* x, real temperature) {
    softmax_cuda::softmax_kernel<<<dim3(GROUPS, n), softmax_cuda::kThreads>>>(x, kGroup, temperature, y);
    RNNC_CUDA_LAUNCHED();
  }

  // ---- persistent generation (cuda/persistent.cuh): one pass a step ----
  // A warp per group and sample, in activations.h's softmax_group order:
  // the largest logit, exp in double, the float sum in index order (so the
  // probabilities are the CPU's bits wherever the logits are), the division.
  struct Persistent {
    float* y;
    float temperature;
    __device__ void load_rows(const cuda::Ctx&) const {}
    __device__ const float* run(const cuda::Ctx& c, cooperative_groups::grid_group& grid, const float* x,
                                cuda::OneHot, long long) const {
      for (int task = cuda::grid_warp(); task < c.n * GROUPS; task += cuda::grid_warps()) {
        const size_t at = size_t(task / GROUPS) * N + size_t(task % GROUPS) * kGroup;
        const float* in = x + at;
        float* out = y + at;
        float largest = -3.402823466e+38f;
        for (int i = cuda::lane(); i < kGroup; i += cuda::kWarp) largest = fmaxf(largest, __ldcg(in + i));
        for (int o = cuda::kWarp / 2; o > 0; o /= 2) largest = fmaxf(largest, __shfl_xor_sync(0xffffffffu, largest, o));
        for (int i = cuda::lane(); i < kGroup; i += cuda::kWarp)
          out[i] = static_cast<float>(exp(static_cast<double>(__ldcg(in + i) / temperature - largest / temperature)));
        __syncwarp();
        const float sum = cuda::warp_serial_sum(kGroup, [&](int i) { return out[i]; });
        for (int i = cuda::lane(); i < kGroup; i += cuda::kWarp) out[i] /= sum;
        __syncwarp();
      }
      grid.sync();
      return y;
    }
  };
  void persistent(Persistent& p, cuda::PhaseList&, bool gathered, float temperature) {
    if (gathered) fail("a [softmax] cannot be the first layer");
    p.y = y;
    p.temperature = temperature;
  }
};

}  // namespace rnnc::layers
