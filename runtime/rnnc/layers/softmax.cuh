// [softmax] on a CUDA device, one character at a time: the same class as
// layers/softmax.h, specialised on the Cuda tag. One block per group: the
// largest logit, exp in double (as softmax_group calls it), the sum, the
// division; the sum runs as a tree, so it may differ from the CPU's
// sequential float sum in the last bits.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "../cuda/train.cuh"
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

// Training: -dL/dx = (truth - p) / temperature within the truth's group, 0
// in the others (layers/softmax.h); one thread per element.
__global__ void loss_delta(const float* p, const int* truth, int n, int group, float temperature, float* dx,
                           size_t count) {
  const size_t i = cuda::point_index();
  if (i >= count) return;
  const int r = static_cast<int>(i / n), k = static_cast<int>(i % n);
  const int g0 = truth[r] / group * group;
  dx[i] = k >= g0 && k < g0 + group ? (float(k == truth[r]) - p[i]) / temperature : 0.f;
}
// Each row's log p[truth], in double; the host sums them in row order.
__global__ void row_log_p(const float* p, const int* truth, int n, int rows, double* cost) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r < rows) cost[r] = log(static_cast<double>(p[size_t(r) * n + truth[r]]));
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

  // ---- Training on the device (train): softmax of every row and darknet's cost -log p[truth] ----
  // The probabilities by the inference kernel over all rows; the cost's
  // rows come back to the host and are summed there in row order, as on the CPU.
  struct Train {
    static constexpr int rows = STEPS * STREAMS;
    cuda::DeviceArray p;
    double* cost = nullptr;  // [rows], on the device
    std::vector<double> cost_host;
    Train() : p(size_t(rows) * N), cost_host(rows) { RNNC_CUDA_CHECK(cudaMalloc(&cost, rows * sizeof(double))); }
    ~Train() { cudaFree(cost); }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train()); }
  std::vector<cuda::TrainDense*> train_dense() { return {}; }
  double loss(const real* x, const Symbol* truth, real temperature, real* dx) {
    Train& L = *t;
    constexpr size_t count = size_t(Train::rows) * N;
    for (int r0 = 0; r0 < Train::rows; r0 += 65535) {  // a grid's y is at most 65535
      const int n_rows = Train::rows - r0 < 65535 ? Train::rows - r0 : 65535;
      softmax_cuda::softmax_kernel<<<dim3(GROUPS, n_rows), softmax_cuda::kThreads>>>(
          x + size_t(r0) * N, kGroup, temperature, L.p.data() + size_t(r0) * N);
      RNNC_CUDA_LAUNCHED();
    }
    softmax_cuda::loss_delta<<<cuda::point_blocks(count), cuda::kPointThreads>>>(L.p.data(), truth, N, kGroup,
                                                                                 temperature, dx, count);
    RNNC_CUDA_LAUNCHED();
    softmax_cuda::row_log_p<<<(Train::rows + 127) / 128, 128>>>(L.p.data(), truth, N, Train::rows, L.cost);
    RNNC_CUDA_LAUNCHED();
    RNNC_CUDA_CHECK(cudaMemcpy(L.cost_host.data(), L.cost, Train::rows * sizeof(double), cudaMemcpyDeviceToHost));
    double cost = 0;
    for (int r = 0; r < Train::rows; ++r) cost -= L.cost_host[r];
    return cost;
  }
};

}  // namespace rnnc::layers
