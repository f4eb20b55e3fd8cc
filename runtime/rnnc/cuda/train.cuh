// Training on a CUDA device (rnnc --cuda, `train`): what every layer kind's
// training section (layers/<kind>.cuh) shares. cuBLAS for the products,
// loaded at run time (a --cuda program must start, and train on the CPU,
// where the toolkit's libcublas is absent); TrainDense, the device twin of
// one connected sub-layer in training (dense/train.h): its parameters, their
// updates and Adam moments, the forward's cache, and the forward and backward
// passes as products plus simple kernels.
//
// Deterministic by construction: every sum of rows (batch-norm statistics,
// bias and scale gradients, a one-hot input's weight gradient) runs in one
// thread per column, in row order, as the CPU sums them; no float atomics.
// Buffers are row-major [rows][features], rows time-major (t * streams + s).
#pragma once
#include <cublas_api.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../layers/layer.h"  // concatenated
#include "../params.h"
#include "../vocabulary.h"
#include "check.cuh"
#include "device.cuh"

namespace rnnc::cuda {

// train -precision on the GPU: the products' arithmetic. The weights, their
// updates and every pointwise pass stay fp32 (master weights).
enum class TrainMath { Fp32, Tf32, Bf16 };

// cuBLAS, loaded from libcublas.so.<major> on first use (the toolkit's
// library folder is in the program's run path; else the loader's path).
struct Blas {
  using CreateFn = cublasStatus_t (*)(cublasHandle_t*);
  using GemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                      const void*, const void*, cudaDataType_t, int, const void*, cudaDataType_t, int,
                                      const void*, void*, cudaDataType_t, int, cublasComputeType_t, cublasGemmAlgo_t);
  using StatusFn = const char* (*)(cublasStatus_t);
  CreateFn create = nullptr;
  GemmExFn gemm_ex = nullptr;
  StatusFn status_string = nullptr;
  cublasHandle_t handle = nullptr;
  TrainMath math = TrainMath::Fp32;

  // Loads the library and makes a handle on the current device; else false with the reason in why.
  bool load(std::string& why) {
    if (handle) return true;
    const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      why = soname + " not found (the CUDA Toolkit's cuBLAS)";
      return false;
    }
    create = reinterpret_cast<CreateFn>(dlsym(lib, "cublasCreate_v2"));
    gemm_ex = reinterpret_cast<GemmExFn>(dlsym(lib, "cublasGemmEx"));
    status_string = reinterpret_cast<StatusFn>(dlsym(lib, "cublasGetStatusString"));
    if (!create || !gemm_ex || !status_string) {
      why = soname + " lacks cublasCreate_v2, cublasGemmEx or cublasGetStatusString";
      return false;
    }
    cublasStatus_t s = create(&handle);
    if (s != CUBLAS_STATUS_SUCCESS) {
      why = std::string("cublasCreate: ") + status_string(s);
      handle = nullptr;
      return false;
    }
    return true;
  }
  void check(cublasStatus_t s, const char* what) const {
    if (s != CUBLAS_STATUS_SUCCESS) fail("cuBLAS: %s: %s", what, status_string(s));
  }
  cublasComputeType_t compute_type() const {
    switch (math) {
      case TrainMath::Tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
      case TrainMath::Bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;  // bf16 operands, fp32 sums
      default: return CUBLAS_COMPUTE_32F;
    }
  }
  // Column-major C[m][n] = beta C + op(A) op(B), fp32 in memory.
  void gemm(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float* A, int lda, const float* B,
            int ldb, float beta, float* C, int ldc) const {
    if (m <= 0 || n <= 0 || k <= 0) return;
    const float one = 1;
    check(gemm_ex(handle, ta, tb, m, n, k, &one, A, CUDA_R_32F, lda, B, CUDA_R_32F, ldb, &beta, C, CUDA_R_32F, ldc,
                  compute_type(), CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
  }
};
inline Blas& blas() {
  static Blas b;
  return b;
}

// The row-major products of training (dense/train.h's three), as column-major cuBLAS calls.
// Z[rows][out] = X[rows][in] W[out][in]^T
inline void product_xwt(int rows, int out, int in, const float* X, const float* W, float* Z) {
  blas().gemm(CUBLAS_OP_T, CUBLAS_OP_N, out, rows, in, W, in, X, in, 0.f, Z, out);
}
// DX[rows][in] (+)= D[rows][out] W[out][in]
inline void product_dw(int rows, int in, int out, const float* D, const float* W, float* DX, bool accumulate) {
  blas().gemm(CUBLAS_OP_N, CUBLAS_OP_N, in, rows, out, W, in, D, out, accumulate ? 1.f : 0.f, DX, in);
}
// U[out][in] += D[rows][out]^T X[rows][in]
inline void product_dtx(int out, int in, int rows, const float* D, const float* X, float* U) {
  blas().gemm(CUBLAS_OP_N, CUBLAS_OP_T, in, out, rows, X, in, D, out, 1.f, U, in);
}

// ---- Elementwise launches ----
constexpr int kPointThreads = 256;
inline int point_blocks(size_t n) { return static_cast<int>((n + kPointThreads - 1) / kPointThreads); }
__device__ inline size_t point_index() { return size_t(blockIdx.x) * blockDim.x + threadIdx.x; }

// Training's activations, as dense/train.h's train_activate and train_gradient
// (the gradient takes the output): float-only blends where the CPU's are.
template <Act A>
__device__ inline float train_activate(float x) {
  if constexpr (A == Act::Leaky) {
    float s = .1f * x;
    return x > 0 ? x : s;
  } else if constexpr (A == Act::Relu) {
    return x > 0 ? x : 0.f;
  } else if constexpr (A == Act::Relie) {
    float s = .01f * x;
    return x > 0 ? x : s;
  } else if constexpr (A == Act::Ramp) {
    return (x > 0 ? x : 0.f) + .1f * x;
  } else {
    return activate<A>(x);
  }
}
template <Act A>
__device__ inline float train_gradient(float y) {
  if constexpr (A == Act::Linear) return 1;
  if constexpr (A == Act::Logistic) return (1 - y) * y;
  if constexpr (A == Act::Loggy) { float t = (y + 1.) / 2.; return 2 * (1 - t) * t; }
  if constexpr (A == Act::Relu) return y > 0 ? 1.f : 0.f;
  if constexpr (A == Act::Elu) return (y >= 0) + (y < 0) * (y + 1);
  if constexpr (A == Act::Selu) return (y >= 0) * 1.0507 + (y < 0) * (y + 1.0507 * 1.6732);
  if constexpr (A == Act::Relie) return y > 0 ? 1.f : .01f;
  if constexpr (A == Act::Ramp) return y > 0 ? 1.1f : .1f;
  if constexpr (A == Act::Leaky) return y > 0 ? 1.f : .1f;
  if constexpr (A == Act::Tanh) return 1 - y * y;
  if constexpr (A == Act::Plse) return (y < 0 || y > 1) ? .01f : .125f;
  if constexpr (A == Act::Stair) return floorf(y) == y ? 0.f : 1.f;
  if constexpr (A == Act::Hardtan) return (y > -1 && y < 1) ? 1.f : 0.f;
  if constexpr (A == Act::Lhtan) return (y > 0 && y < 1) ? 1.f : .001f;
  return 1;
}

namespace train_kernels {

// y = act(z + b), rows x out.
template <Act A>
__global__ void bias_activate(const float* z, const float* b, float* y, int rows, int out) {
  const size_t i = point_index();
  if (i >= size_t(rows) * out) return;
  y[i] = train_activate<A>(z[i] + b[i % out]);
}

// Batch norm over groups of `group` rows, then scale, bias and activation;
// one thread per column, groups g0.. in order (the rolling statistics take
// them in the CPU's order). z, xhat and y start at the launch's first row.
template <Act A>
__global__ void batchnorm_activate(const float* z, int rows, int group, int g0, int out, const float* scales,
                                   const float* biases, float* rolling_mean, float* rolling_variance, float* mean,
                                   float* sd, float* xhat, float* y) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= out) return;
  for (int r0 = 0; r0 < rows; r0 += group) {
    const int g = g0 + r0 / group, n = group;
    const float* zg = z + size_t(r0) * out;
    float sum = 0;
    for (int r = 0; r < n; ++r) sum += zg[size_t(r) * out + j];
    const float m = sum / n;
    float sq = 0;
    for (int r = 0; r < n; ++r) {
      float d = zg[size_t(r) * out + j] - m;
      sq += d * d;
    }
    const float var = sq / (n - 1);
    const float s = sqrtf(var);
    const float inv = static_cast<float>(1 / (double(s) + .000001));
    mean[size_t(g) * out + j] = m;
    sd[size_t(g) * out + j] = s;
    rolling_mean[j] = .99f * rolling_mean[j] + .01f * m;
    rolling_variance[j] = .99f * rolling_variance[j] + .01f * var;
    for (int r = 0; r < n; ++r) {
      const size_t e = size_t(r0 + r) * out + j;
      const float xh = (z[e] - m) * inv;
      xhat[e] = xh;
      y[e] = train_activate<A>(xh * scales[j] + biases[j]);
    }
  }
}

// Backward through activation, bias and batch norm, in place on d (-dL/dy
// becomes -dL/dz); one thread per column, rows in order.
template <Act A>
__global__ void backward_pointwise(float* d, const float* y, int rows, int out, float* bias_updates, int group, int g0,
                                   const float* xhat, const float* sd, const float* scales, float* scale_updates) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= out) return;
  float bu = bias_updates[j];
  for (int r = 0; r < rows; ++r) {
    const size_t e = size_t(r) * out + j;
    d[e] *= train_gradient<A>(y[e]);
    bu += d[e];
  }
  bias_updates[j] = bu;
  if (!xhat) return;
  float su = scale_updates[j];
  for (int r0 = 0; r0 < rows; r0 += group) {
    const int g = g0 + r0 / group, n = group;
    float sum_d = 0, sum_dx = 0;
    for (int r = r0; r < r0 + n; ++r) {
      const size_t e = size_t(r) * out + j;
      su += d[e] * xhat[e];
      d[e] *= scales[j];
      sum_d += d[e];
      sum_dx += d[e] * xhat[e];
    }
    const float s = sd[size_t(g) * out + j];
    const float inv = static_cast<float>(1 / (double(s) + .000001));
    sum_d = sum_d / n;
    sum_dx = s > 0 ? sum_dx / ((n - 1) * s) : 0.f;
    for (int r = r0; r < r0 + n; ++r) {
      const size_t e = size_t(r) * out + j;
      d[e] = (d[e] - sum_d) * inv - xhat[e] * sum_dx;
    }
  }
  scale_updates[j] = su;
}

// z[r][j] = W[j][chars[r]]: a one-hot input's product.
__global__ void gather_columns(const float* w, int in, int out, const int* chars, int rows, float* z) {
  const size_t i = point_index();
  if (i >= size_t(rows) * out) return;
  const int r = static_cast<int>(i / out), j = static_cast<int>(i % out);
  z[i] = w[size_t(j) * in + chars[r]];
}

// U[j][chars[r]] += d[r][j]: a one-hot input's weight gradient, one thread
// per output row of U, rows in order (two rows may share a character).
__global__ void scatter_columns(const float* d, int in, int out, const int* chars, int rows, float* u) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= out) return;
  for (int r = 0; r < rows; ++r) u[size_t(j) * in + chars[r]] += d[size_t(r) * out + j];
}

// a += b, n elements.
__global__ void add(float* a, const float* b, size_t n) {
  const size_t i = point_index();
  if (i < n) a[i] += b[i];
}

}  // namespace train_kernels

inline void add_into(float* a, const float* b, size_t n) {
  if (!n) return;
  train_kernels::add<<<point_blocks(n), kPointThreads>>>(a, b, n);
  RNNC_CUDA_LAUNCHED();
}
inline void copy_device(float* to, const float* from, size_t n) {
  if (n) RNNC_CUDA_CHECK(cudaMemcpyAsync(to, from, n * sizeof(float), cudaMemcpyDeviceToDevice));
}
inline void zero_device(float* p, size_t n) {
  if (n) RNNC_CUDA_CHECK(cudaMemsetAsync(p, 0, n * sizeof(float)));
}
inline int column_blocks(int out) { return (out + 127) / 128; }

// One connected sub-layer in training on the device, bound to its host
// parameters (the master copy the driver loads, saves and checkpoints):
// to_device at the start of a run, to_host before anything on the host reads them.
struct TrainDense {
  DenseParams* p = nullptr;
  int rows = 0, group = 0;  // every row of the batch; batch-norm groups
  DeviceArray weights, biases, scales, rolling_mean, rolling_variance;
  DeviceArray weight_updates, bias_updates, scale_updates;
  DeviceArray weight_m, weight_v, bias_m, bias_v, scale_m, scale_v;
  DeviceArray y, xhat, mean, sd, z;  // the forward's cache over all rows, and the pre-activations

  void bind(DenseParams& params, int rows_, int group_) {
    p = &params;
    rows = rows_;
    group = group_;
    if (rows % group) fail("internal error: %s: %d rows are not whole groups of %d", p->name.c_str(), rows, group);
    y.resize(size_t(rows) * p->out);
    z.resize(size_t(rows) * p->out);
    if (p->batch_norm) {
      xhat.resize(size_t(rows) * p->out);
      mean.resize(size_t(rows / group) * p->out);
      sd.resize(mean.size());
    }
  }
  // Each device array beside the host vector it mirrors.
  std::vector<std::pair<DeviceArray*, std::vector<real>*>> mirrored() {
    return {{&weights, &p->weights},         {&biases, &p->biases},
            {&scales, &p->scales},           {&rolling_mean, &p->rolling_mean},
            {&rolling_variance, &p->rolling_variance}, {&weight_updates, &p->weight_updates},
            {&bias_updates, &p->bias_updates}, {&scale_updates, &p->scale_updates},
            {&weight_m, &p->weight_m},       {&weight_v, &p->weight_v},
            {&bias_m, &p->bias_m},           {&bias_v, &p->bias_v},
            {&scale_m, &p->scale_m},         {&scale_v, &p->scale_v}};
  }
  void to_device() {
    for (auto& [d, h] : mirrored()) d->upload(*h);
  }
  void to_host() {
    for (auto& [d, h] : mirrored()) {
      if (h->size() != d->size()) fail("internal error: %s: device and host sizes differ", p->name.c_str());
      if (!h->empty())
        RNNC_CUDA_CHECK(cudaMemcpy(h->data(), d->data(), h->size() * sizeof(float), cudaMemcpyDeviceToHost));
    }
  }

  float* y_at(int r) { return y.data() + size_t(r) * p->out; }

  // Rows r0..r1: y = act(BN(x W^T) + b), x holding r1-r0 rows of p->in values.
  template <Act A>
  void forward(int r0, int r1, const float* x) {
    product_xwt(r1 - r0, p->out, p->in, x, weights.data(), z.data());
    finish<A>(r0, r1);
  }
  // The same for a one-hot input: row r's product is column chars[r] of W.
  template <Act A>
  void forward(int r0, int r1, const Symbol* chars) {
    const size_t n = size_t(r1 - r0) * p->out;
    train_kernels::gather_columns<<<point_blocks(n), kPointThreads>>>(weights.data(), p->in, p->out, chars + r0,
                                                                      r1 - r0, z.data());
    RNNC_CUDA_LAUNCHED();
    finish<A>(r0, r1);
  }

  // Rows r0..r1 of delta (-dL/dy) become -dL/dz in place; bias and scale updates accumulate.
  template <Act A>
  void backward_pointwise(int r0, int r1, float* delta) {
    const bool bn = p->batch_norm;
    train_kernels::backward_pointwise<A><<<column_blocks(p->out), 128>>>(
        delta, y_at(r0), r1 - r0, p->out, bias_updates.data(), group, r0 / group,
        bn ? xhat.data() + size_t(r0) * p->out : nullptr, bn ? sd.data() : nullptr, bn ? scales.data() : nullptr,
        bn ? scale_updates.data() : nullptr);
    RNNC_CUDA_LAUNCHED();
  }
  // dW += delta^T x over `n` rows.
  void weight_gradient(int n, const float* delta, const float* x) {
    product_dtx(p->out, p->in, n, delta, x, weight_updates.data());
  }
  // dx (+)= delta W over `n` rows.
  void input_gradient(int n, const float* delta, float* dx, bool accumulate) {
    product_dw(n, p->in, p->out, delta, weights.data(), dx, accumulate);
  }
  // The whole backward for rows r0..r1 with input x (r1-r0 rows); with dx, dx += delta W.
  template <Act A>
  void backward(int r0, int r1, float* delta, const float* x, float* dx) {
    backward_pointwise<A>(r0, r1, delta);
    weight_gradient(r1 - r0, delta, x);
    if (dx) input_gradient(r1 - r0, delta, dx, true);
  }
  template <Act A>
  void backward(int r0, int r1, float* delta, const Symbol* chars) {
    backward_pointwise<A>(r0, r1, delta);
    train_kernels::scatter_columns<<<column_blocks(p->out), 128>>>(delta, p->in, p->out, chars + r0, r1 - r0,
                                                                    weight_updates.data());
    RNNC_CUDA_LAUNCHED();
  }

 private:
  template <Act A>
  void finish(int r0, int r1) {
    const int n = r1 - r0, out = p->out;
    if (n % group || r0 % group) fail("internal error: %s: rows %d..%d are not whole groups", p->name.c_str(), r0, r1);
    if (p->batch_norm) {
      train_kernels::batchnorm_activate<A><<<column_blocks(out), 128>>>(
          z.data(), n, group, r0 / group, out, scales.data(), biases.data(), rolling_mean.data(),
          rolling_variance.data(), mean.data(), sd.data(), xhat.data() + size_t(r0) * out, y_at(r0));
    } else {
      train_kernels::bias_activate<A><<<point_blocks(size_t(n) * out), kPointThreads>>>(z.data(), biases.data(),
                                                                                        y_at(r0), n, out);
    }
    RNNC_CUDA_LAUNCHED();
  }
};

// The training passes that the gated kinds ([lstm], [gru]) share: their
// input sub-layers u[k] run over all time steps as one product each, around
// the kind's recurrence, which steps through time (forward_recurrent) and
// back (backward_recurrent, which leaves each gate's -dL/d(pre-activation)
// in dz[k], the input sub-layers' deltas). Train: the kind's buffers (w[G],
// u[G], h with the zero state in slot 0, delta, dz[G]), built from the layer.
template <class Layer, class Train>
struct GatedTraining {
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(layer())); }
  std::vector<TrainDense*> train_dense() {
    std::vector<TrainDense*> v;
    for (auto& d : t->w) v.push_back(&d);
    for (auto& d : t->u) v.push_back(&d);
    return v;
  }
  const real* train_output() { return t->h.data() + Train::step; }
  real* delta() { return t->delta.data(); }
  void clear_delta() { t->delta.zero(); }

  // x: the previous layer's output (const real*) or the characters (const Symbol*).
  template <class X>
  void forward(const X* x) {
    for (auto& d : t->u) d.template forward<Act::Linear>(0, Train::rows, x);
    layer().forward_recurrent();
  }
  void backward(const real* x, real* dx) {
    layer().backward_recurrent();
    for (size_t k = 0; k < std::size(t->u); ++k)
      t->u[k].template backward<Act::Linear>(0, Train::rows, t->dz[k].data(), x, dx);
  }
  void backward(const Symbol* chars) {
    layer().backward_recurrent();
    for (size_t k = 0; k < std::size(t->u); ++k)
      t->u[k].template backward<Act::Linear>(0, Train::rows, t->dz[k].data(), chars);
  }

 private:
  Layer& layer() { return static_cast<Layer&>(*this); }
};

// The sub-layers in training of all the layers (each kind's train_dense()), for the update and the copies.
template <class... L>
std::vector<TrainDense*> train_dense_of(L&... layers) {
  return rnnc::layers::concatenated<TrainDense*>(layers.train_dense()...);
}

}  // namespace rnnc::cuda
