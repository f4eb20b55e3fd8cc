// [connected] on a CUDA device, one character at a time: the same class as
// layers/connected.h, specialised on the Cuda tag; y = act(W' x + b'), or
// for a one-hot input the gathered column W'[:, c] (a warp per output).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "../cuda/train.cuh"
#include "layer.h"
#include "params.h"

namespace rnnc::layers {

template <int IN, int OUT, Act A, int STEPS, int STREAMS, class Backend>
struct Connected;

template <int IN, int OUT, Act A, int STEPS, int STREAMS>
struct Connected<IN, OUT, A, STEPS, STREAMS, Cuda> : cuda::DeviceOutput, ConnectedParams {
  static constexpr int kIn = IN, kOut = OUT, kSublayers = 1;
  Connected(const std::string& name, bool batch_norm) : ConnectedParams(name, IN, OUT, batch_norm) {}

  cuda::DeviceDense d_weights;
  void prepare_device() {
    d_weights.upload(weights);
    reset_batch(1);
  }
  void reset_batch(int samples) {
    n = samples;
    allocate_output(OUT);
  }
  void reset_state() {}

  // x: [n][IN] on the device; c: the one-hot character (cs: one per sample).
  void dense(const real* x) { cuda::dense_forward<A>(d_weights, x, {}, y, n); }
  void dense(int c) { cuda::dense_forward<A>(d_weights, nullptr, {c, nullptr}, y, n); }
  void dense(const Symbol* cs) { cuda::dense_forward<A>(d_weights, nullptr, {0, cs}, y, n); }
  void dense_folded(const real* x) { dense(x); }
  void dense_folded(int c) { dense(c); }
  void dense_folded(const Symbol* cs) { dense(cs); }

  // ---- persistent generation (cuda/persistent.cuh): one phase a step ----
  struct Persistent {
    cuda::Phase dense;
    float* y;
    __device__ void load_rows(const cuda::Ctx& c) const { cuda::load_phase_rows(dense, c); }
    __device__ const float* run(const cuda::Ctx& c, cooperative_groups::grid_group& grid, const float* x,
                                cuda::OneHot sym, long long) const {
      cuda::run_phase(dense, c, x, sym, nullptr, [&](int j, int s, const float* prod) {
        y[size_t(s) * OUT + j] = cuda::activate<A>(prod[0] + dense.m[0].b[j]);
      });
      grid.sync();
      return y;
    }
  };
  void persistent(Persistent& p, cuda::PhaseList& list, bool gathered) {
    p.dense = {};
    p.dense.add(d_weights, gathered, false);
    p.y = y;
    list.add(p.dense);
  }

  // ---- Training on the device (train): batch norm over all the batch's rows, as on the CPU ----
  struct Train {
    static constexpr int rows = STEPS * STREAMS;
    cuda::TrainDense weights;
    cuda::DeviceArray delta;  // -dL/dy, filled by the next layer
    explicit Train(Connected& l) : delta(size_t(rows) * OUT) { weights.bind(l.weights, rows, rows); }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(*this)); }
  std::vector<cuda::TrainDense*> train_dense() { return {&t->weights}; }
  const real* train_output() { return t->weights.y.data(); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { t->delta.zero(); }
  void forward(const real* x) { t->weights.template forward<A>(0, Train::rows, x); }
  void forward(const Symbol* chars) { t->weights.template forward<A>(0, Train::rows, chars); }
  void backward(const real* x, real* dx) { t->weights.template backward<A>(0, Train::rows, t->delta.data(), x, dx); }
  void backward(const Symbol* chars) { t->weights.template backward<A>(0, Train::rows, t->delta.data(), chars); }
};

}  // namespace rnnc::layers
