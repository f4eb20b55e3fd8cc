// What every CUDA layer kind shares: the backend tag, device buffers, a dense
// sub-layer's folded weights on the device, the warp-per-row dot product and
// darknet's activations as device code. Sizes are run-time arguments of the
// kernels, so each kernel compiles once per activation, not once per model
// size (nvcc is slow; the test suite builds these programs).
//
// n samples at once (generate -n N): every buffer is sample-major,
// [n][features], and every kernel's grid has one y index per sample
// (blockIdx.y); one sample is n = 1. A one-hot input is character c, or for
// n samples cs[sample] (a device array).
#pragma once
#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "../params.h"
#include "../vocabulary.h"  // Act
#include "check.cuh"

namespace rnnc::layers {
struct Cuda {};  // the backend tag: layers/<kind>.cuh specialise each kind on it
}  // namespace rnnc::layers

namespace rnnc::cuda {

static_assert(sizeof(real) == sizeof(float), "the CUDA kernels are fp32");

// n floats on the device, zeroed; freed with the owner.
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(size_t n) { resize(n); }
  ~DeviceArray() {
    if (p_) cudaFree(p_);
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  void resize(size_t n) {
    if (p_) cudaFree(p_);
    p_ = nullptr;
    n_ = n;
    if (n) RNNC_CUDA_CHECK(cudaMalloc(&p_, n * sizeof(float)));
    zero();
  }
  void zero() {
    if (n_) RNNC_CUDA_CHECK(cudaMemset(p_, 0, n_ * sizeof(float)));
  }
  void upload(const std::vector<real>& host) {
    resize(host.size());
    if (n_) RNNC_CUDA_CHECK(cudaMemcpy(p_, host.data(), n_ * sizeof(float), cudaMemcpyHostToDevice));
  }
  void copy_from(const float* device, size_t n) {
    RNNC_CUDA_CHECK(cudaMemcpy(p_, device, n * sizeof(float), cudaMemcpyDeviceToDevice));
  }
  // Exchanges the buffers (a state and its next one, after a step).
  void swap(DeviceArray& o) {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
  }
  float* data() { return p_; }
  const float* data() const { return p_; }
  size_t size() const { return n_; }

 private:
  float* p_ = nullptr;
  size_t n_ = 0;
};

// A dense sub-layer on the device: batch norm folded in (params.h's
// fold_batchnorm, as the CPU's folded path), weights [out][in]. A one-hot
// input reads column c of a row.
struct DeviceDense {
  DeviceArray w, b;
  int in = 0, out = 0;
  void upload(const DenseParams& p) {
    std::vector<real> wh, bh;
    fold_batchnorm(p, wh, bh);
    w.upload(wh);
    b.upload(bh);
    in = p.in;
    out = p.out;
  }
};

// The kernels' view of a DeviceDense (kernel arguments are passed by value).
struct DenseView {
  const float* __restrict__ w;
  const float* __restrict__ b;
  int in;
};
inline DenseView view(const DeviceDense& d) { return {d.w.data(), d.b.data(), d.in}; }

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 8;  // one warp per output row, 8 warps a block
inline int row_blocks(int rows) { return (rows + kRowsPerBlock - 1) / kRowsPerBlock; }

// The warp's row of the launch (one warp per output row) and its lane.
__device__ inline int warp_row() { return (blockIdx.x * blockDim.x + threadIdx.x) / kWarp; }
__device__ inline int lane() { return threadIdx.x % kWarp; }

// Row j of d times x, for the whole warp (every lane gets the sum): lane l
// sums elements l, l+32, ..., then the lanes are added pairwise.
__device__ inline float warp_dot(const float* __restrict__ row, const float* __restrict__ x, int n) {
  float s = 0;
  for (int k = lane(); k < n; k += kWarp) s += row[k] * x[k];
  for (int o = kWarp / 2; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffffu, s, o);
  return s;
}

// The launch's sample (blockIdx.y), and its one-hot character: cs[sample], else c.
__device__ inline int sample() { return blockIdx.y; }
__device__ inline int symbol(int c, const int* cs) { return cs ? cs[sample()] : c; }
// Sample s's vector of a [n][size] buffer (null stays null).
__device__ inline const float* of_sample(const float* v, int size) { return v ? v + size_t(sample()) * size : v; }
__device__ inline float* of_sample(float* v, int size) { return v + size_t(sample()) * size; }

// A one-hot input: character c (one sample), or cs[s] for sample s (a device array).
struct OneHot {
  int c;
  const int* cs;
};

// Row j's product with this sample's x, or with its one-hot character where x
// is null (a gathered element), without the bias.
__device__ inline float row_product(DenseView d, int j, const float* x, OneHot c) {
  return x ? warp_dot(d.w + size_t(j) * d.in, of_sample(x, d.in), d.in)
           : d.w[size_t(j) * d.in + symbol(c.c, c.cs)];
}

// darknet's activations as rnnc/activations.h computes them (double where
// that header's literals make it double), for device code.
template <Act A>
__device__ inline float activate(float x) {
  if constexpr (A == Act::Linear) return x;
  if constexpr (A == Act::Logistic) return 1. / (1. + exp(-double(x)));
  if constexpr (A == Act::Loggy) return 2. / (1. + exp(-double(x))) - 1;
  if constexpr (A == Act::Relu) return x * (x > 0);
  if constexpr (A == Act::Elu) return (x >= 0) * x + (x < 0) * (exp(double(x)) - 1);
  if constexpr (A == Act::Selu) return (x >= 0) * 1.0507 * x + (x < 0) * 1.0507 * 1.6732 * (exp(double(x)) - 1);
  if constexpr (A == Act::Relie) { float s = .01 * x; return (x > 0) ? x : s; }
  if constexpr (A == Act::Ramp) return x * (x > 0) + .1 * x;
  if constexpr (A == Act::Leaky) { float s = .1 * x; return (x > 0) ? x : s; }
  if constexpr (A == Act::Tanh) {
    if (fabsf(x) < 20) return (exp(2. * x) - 1) / (exp(2. * x) + 1);
    return x > 0 ? 1.f : -1.f;
  }
  if constexpr (A == Act::Plse) {
    if (x < -4) return .01 * (x + 4);
    if (x > 4) return .01 * (x - 4) + 1;
    return .125 * x + .5;
  }
  if constexpr (A == Act::Stair) {
    int n = static_cast<int>(floorf(x));
    if (n % 2 == 0) return floor(x / 2.);
    return (x - n) + floor(x / 2.);
  }
  if constexpr (A == Act::Hardtan) {
    if (x < -1) return -1;
    if (x > 1) return 1;
    return x;
  }
  if constexpr (A == Act::Lhtan) {
    if (x < 0) return .001 * x;
    if (x > 1) return .001 * (x - 1) + 1;
    return x;
  }
  return x;
}

// The grid for `rows` outputs of n samples: a warp per output row.
inline dim3 grid(int rows, int n) { return dim3(row_blocks(rows), n); }
constexpr int kThreads = kRowsPerBlock * kWarp;

// y = act(W x + b) (x on the device), or act(W[:, c] + b) where x is null.
template <Act A>
__global__ void dense_kernel(DenseView d, const float* x, OneHot c, int out, float* y) {
  const int j = warp_row();
  if (j >= out) return;
  float s = row_product(d, j, x, c);
  if (lane() == 0) of_sample(y, out)[j] = activate<A>(s + d.b[j]);
}

template <Act A>
inline void dense_forward(const DeviceDense& d, const float* x, OneHot c, float* y, int n) {
  dense_kernel<A><<<grid(d.out, n), kThreads>>>(view(d), x, c, d.out, y);
  RNNC_CUDA_LAUNCHED();
}

// The characters of n samples on the device (step_batch's input).
class DeviceSymbols {
 public:
  ~DeviceSymbols() {
    if (p_) cudaFree(p_);
  }
  const int* upload(const Symbol* c, int n) {
    if (n > n_) {
      if (p_) cudaFree(p_);
      p_ = nullptr;
      RNNC_CUDA_CHECK(cudaMalloc(&p_, size_t(n) * sizeof(int)));
      n_ = n;
    }
    RNNC_CUDA_CHECK(cudaMemcpy(p_, c, size_t(n) * sizeof(int), cudaMemcpyHostToDevice));
    return p_;
  }

 private:
  int* p_ = nullptr;
  int n_ = 0;
};

// A layer's output on the device (y: what the next layer reads, as on the
// CPU), and its copy on the host where the commands read it (the last
// layer's probabilities).
struct DeviceOutput {
  DeviceArray out;
  real* y = nullptr;
  std::vector<real> host;
  int n = 1;  // samples: y is [n][features]
  void allocate_output(int features) {
    out.resize(size_t(features) * n);
    y = out.data();
  }
  const real* to_host() {
    host.resize(out.size());
    RNNC_CUDA_CHECK(cudaMemcpy(host.data(), y, out.size() * sizeof(float), cudaMemcpyDeviceToHost));
    return host.data();
  }
};

// The inference steps of every recurrent kind on the device: a dense input
// ([n][IN] on the device), one character, or one character a sample, each
// into the kind's recur(x, one-hot). The device has one set of step kernels,
// so the fused forms are the same calls.
template <class Layer>
struct RecurrentSteps {
  void step(const real* x) { layer().recur(x, {}); }
  void step(int c) { layer().recur(nullptr, {c, nullptr}); }
  void step(const Symbol* cs) { layer().recur(nullptr, {0, cs}); }
  void step_fused(const real* x) { step(x); }
  void step_fused(int c) { step(c); }
  void step_fused(const Symbol* cs) { step(cs); }

 private:
  Layer& layer() { return static_cast<Layer&>(*this); }
};

}  // namespace rnnc::cuda
