// The parameter update of GPU training (train/update.h's SGD with momentum
// and decay, and Adam) as one kernel over every tensor of the model: a table
// of {values, updates, moments, size}, one row of blocks (blockIdx.y) per
// tensor. Each element is updated alone, so the result does not depend on
// the launch shape.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../train/update.h"
#include "check.cuh"
#include "train.cuh"

namespace rnnc::cuda {

struct UpdateTensor {
  float* x;        // the parameters
  float* u;        // SGD: -gradient + momentum; Adam: the gradient, cleared after the step
  float* m;        // Adam's moments (null for SGD)
  float* v;
  long long n;
  int is_weight;  // SGD decays weights only; Adam decays every tensor, as train/update.h
};

namespace update_kernels {

__global__ void update(const UpdateTensor* table, train::UpdateArgs a, double b1t, double b2t) {
  const UpdateTensor T = table[blockIdx.y];
  const float rate = a.learning_rate / a.batch, decay = -a.decay * a.batch, mom = a.momentum;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < T.n; i += (long long)gridDim.x * blockDim.x) {
    if (a.adam) {
      const float g = T.u[i] + decay * T.x[i];
      const float m = a.B1 * T.m[i] + (1 - a.B1) * g;
      const float v = a.B2 * T.v[i] + (1 - a.B2) * g * g;
      T.m[i] = m;
      T.v[i] = v;
      const double mhat = m / b1t, vhat = v / b2t;
      T.x[i] += static_cast<float>(a.learning_rate * mhat / (sqrt(vhat) + a.eps));
      T.u[i] = 0;
    } else if (T.is_weight) {
      float u = T.u[i] + decay * T.x[i];
      T.x[i] += rate * u;
      T.u[i] = u * mom;
    } else {
      T.x[i] += rate * T.u[i];
      T.u[i] *= mom;
    }
  }
}

}  // namespace update_kernels

// The table of every tensor, built once the device buffers exist (rebuild after to_device).
class DeviceUpdate {
 public:
  ~DeviceUpdate() {
    if (table_) cudaFree(table_);
  }
  void build(const std::vector<TrainDense*>& layers, bool adam) {
    std::vector<UpdateTensor> t;
    auto add = [&](DeviceArray& x, DeviceArray& u, DeviceArray& m, DeviceArray& v, int is_weight) {
      if (!x.size()) return;
      if (u.size() != x.size() || (adam && (m.size() != x.size() || v.size() != x.size())))
        fail("internal error: an update buffer's size differs from its parameters'");
      t.push_back({x.data(), u.data(), adam ? m.data() : nullptr, adam ? v.data() : nullptr, (long long)x.size(),
                   is_weight});
      largest_ = std::max(largest_, (long long)x.size());
    };
    for (TrainDense* d : layers) {
      add(d->biases, d->bias_updates, d->bias_m, d->bias_v, 0);
      if (d->p->batch_norm) add(d->scales, d->scale_updates, d->scale_m, d->scale_v, 0);
      add(d->weights, d->weight_updates, d->weight_m, d->weight_v, 1);
    }
    if (t.size() > 65535) fail("internal error: %zu tensors are more than one update launch takes", t.size());
    if (table_) cudaFree(table_);
    table_ = nullptr;
    count_ = static_cast<int>(t.size());
    if (!count_) return;
    RNNC_CUDA_CHECK(cudaMalloc(&table_, t.size() * sizeof(UpdateTensor)));
    RNNC_CUDA_CHECK(cudaMemcpy(table_, t.data(), t.size() * sizeof(UpdateTensor), cudaMemcpyHostToDevice));
  }
  void run(const train::UpdateArgs& a) {
    if (!count_) return;
    const double b1t = 1 - std::pow(double(a.B1), a.t), b2t = 1 - std::pow(double(a.B2), a.t);
    const long long blocks = std::min<long long>((largest_ + 255) / 256, 1024);
    update_kernels::update<<<dim3(static_cast<unsigned>(blocks), count_), 256>>>(table_, a, b1t, b2t);
    RNNC_CUDA_LAUNCHED();
  }

 private:
  UpdateTensor* table_ = nullptr;
  int count_ = 0;
  long long largest_ = 1;
};

}  // namespace rnnc::cuda
