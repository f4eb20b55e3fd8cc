// [rnn] on a CUDA device, one character at a time (generate, valid, probs):
// the same class as layers/rnn.h, specialised on the Cuda tag. One kernel
// per recurrent step (the input and self sub-layers, their activations and
// the state sum; a warp per output), one for the output sub-layer. The plain
// and fused ops compute the same thing here: the weights are folded once on
// upload, as the CPU's fused path folds them. n samples at once (generate -n)
// run the same kernels over a grid of n (cuda/device.cuh).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "../cuda/train.cuh"
#include "layer.h"
#include "params.h"

namespace rnnc::layers {

template <int IN, int H, Act A, bool SHORTCUT, int STEPS, int STREAMS, class Backend>
struct Rnn;

namespace rnn_cuda {
// h' = act(input(x | c)) + act(self(h)) (+ h), into hn.
template <Act A, bool SHORTCUT>
__global__ void step_kernel(cuda::DenseView in, cuda::DenseView self, const float* x, cuda::OneHot c,
                            const float* h, float* hn, int H) {
  const int j = cuda::warp_row();
  if (j >= H) return;
  h = cuda::of_sample(h, H);
  float xin = cuda::row_product(in, j, x, c);
  float hs = cuda::warp_dot(self.w + size_t(j) * H, h, H);
  if (cuda::lane() != 0) return;
  float a = cuda::activate<A>(xin + in.b[j]);
  float s = cuda::activate<A>(hs + self.b[j]);
  cuda::of_sample(hn, H)[j] = SHORTCUT ? (h[j] + a) + s : a + s;
}

// Training's state sum: hn = (prev + a) + s with the shortcut, else a + s.
template <bool SHORTCUT>
__global__ void state_sum(const float* a, const float* s, const float* prev, float* hn, size_t n) {
  const size_t i = cuda::point_index();
  if (i < n) hn[i] = SHORTCUT ? (prev[i] + a[i]) + s[i] : a[i] + s[i];
}
}  // namespace rnn_cuda

template <int IN, int H, Act A, bool SHORTCUT, int STEPS, int STREAMS>
struct Rnn<IN, H, A, SHORTCUT, STEPS, STREAMS, Cuda>
    : cuda::DeviceOutput, RnnParams, cuda::RecurrentSteps<Rnn<IN, H, A, SHORTCUT, STEPS, STREAMS, Cuda>> {
  friend struct cuda::RecurrentSteps<Rnn>;
  static constexpr int kIn = IN, kOut = H, kSublayers = 3;
  Rnn(const std::string& name, bool batch_norm) : RnnParams(name, IN, H, batch_norm) {}

  cuda::DeviceDense d_input, d_self, d_output;
  cuda::DeviceArray h, hn;  // the state and the next one (swapped after each step)

  void prepare_device() {
    d_input.upload(input);
    d_self.upload(self);
    d_output.upload(output);
    reset_batch(1);
  }
  // n samples' state, zeroed (n = 1: one character at a time).
  void reset_batch(int samples) {
    n = samples;
    h.resize(size_t(H) * n);
    hn.resize(size_t(H) * n);
    allocate_output(H);
  }
  void reset_state() { h.zero(); }

  void dense() { cuda::dense_forward<A>(d_output, h.data(), {}, y, n); }
  void dense_folded() { dense(); }

  // ---- persistent generation (cuda/persistent.cuh): two phases a step ----
  // The step (input and self products, activations, the state sum) into the
  // state's other buffer, then the output sub-layer over it.
  struct Persistent {
    cuda::Phase step, output;
    float* h[2];  // the state, by step parity: step t reads h[t % 2] and writes h[(t + 1) % 2]
    float* y;
    __device__ void load_rows(const cuda::Ctx& c) const {
      cuda::load_phase_rows(step, c);
      cuda::load_phase_rows(output, c);
    }
    __device__ const float* run(const cuda::Ctx& c, cooperative_groups::grid_group& grid, const float* x,
                                cuda::OneHot sym, long long t) const {
      const float* h0 = h[t & 1];
      float* h1 = h[(t + 1) & 1];
      cuda::run_phase(step, c, x, sym, h0, [&](int j, int s, const float* prod) {
        const float a = cuda::activate<A>(prod[0] + step.m[0].b[j]);
        const float r = cuda::activate<A>(prod[1] + step.m[1].b[j]);
        const size_t at = size_t(s) * H + j;
        h1[at] = SHORTCUT ? (__ldcg(h0 + at) + a) + r : a + r;
      });
      grid.sync();
      cuda::run_phase(output, c, h1, {}, nullptr, [&](int j, int s, const float* prod) {
        y[size_t(s) * H + j] = cuda::activate<A>(prod[0] + output.m[0].b[j]);
      });
      grid.sync();
      return y;
    }
  };
  // Describes the phases over this layer's device weights and buffers (sized by reset_batch).
  void persistent(Persistent& p, cuda::PhaseList& list, bool gathered) {
    p.step = {};
    p.step.add(d_input, gathered, false);
    p.step.add(d_self, false, true);
    p.output = {};
    p.output.add(d_output, false, false);
    p.h[0] = h.data();
    p.h[1] = hn.data();
    p.y = y;
    list.add(p.step);
    list.add(p.output);
  }

  // ---- Training on the device (train): dense/train.h's passes as cuda::TrainDense ----
  // The input and output sub-layers run over all time steps as one product
  // each; the recurrent one steps through time (its product, then batch norm,
  // bias and activation in one kernel, then the state sum); its weight
  // gradient is one product over the whole sequence. The state starts at
  // zero in every batch, as on the CPU.
  struct Train {
    static constexpr int steps = STEPS, streams = STREAMS, rows = STEPS * STREAMS;
    static constexpr size_t step = size_t(STREAMS) * H;
    cuda::TrainDense input, self, output;
    cuda::DeviceArray h;      // (steps + 1) x streams x H; slot 0 is h_{-1} = 0
    cuda::DeviceArray delta;  // -dL/dy, filled by the next layer
    cuda::DeviceArray dh, delta_a, dnext, dprev;
    Train(Rnn& l) : h((steps + 1) * step), delta(rows * size_t(H)), dh(rows * size_t(H)), delta_a(dh.size()),
                    dnext(step), dprev(step) {
      input.bind(l.input, rows, streams);
      self.bind(l.self, rows, streams);
      output.bind(l.output, rows, streams);
    }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(*this)); }
  std::vector<cuda::TrainDense*> train_dense() { return {&t->input, &t->self, &t->output}; }
  const real* train_output() { return t->output.y.data(); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { t->delta.zero(); }

  void forward(const real* x) {
    t->input.template forward<A>(0, Train::rows, x);
    forward_recurrent();
  }
  void forward(const Symbol* chars) {
    t->input.template forward<A>(0, Train::rows, chars);
    forward_recurrent();
  }
  void backward(const real* x, real* dx) {
    backward_recurrent();
    t->input.template backward<A>(0, Train::rows, t->delta_a.data(), x, dx);
  }
  void backward(const Symbol* chars) {
    backward_recurrent();
    t->input.template backward<A>(0, Train::rows, t->delta_a.data(), chars);
  }

 private:
  void forward_recurrent() {
    Train& L = *t;
    constexpr size_t step = Train::step;
    cuda::zero_device(L.h.data(), step);
    for (int s = 0; s < Train::steps; ++s) {
      L.self.template forward<A>(s * Train::streams, (s + 1) * Train::streams, L.h.data() + s * step);
      rnn_cuda::state_sum<SHORTCUT><<<cuda::point_blocks(step), cuda::kPointThreads>>>(
          L.input.y.data() + s * step, L.self.y.data() + s * step, L.h.data() + s * step, L.h.data() + (s + 1) * step,
          step);
      RNNC_CUDA_LAUNCHED();
    }
    L.output.template forward<A>(0, Train::rows, L.h.data() + step);
  }

  // Backward through the output and recurrent sub-layers; leaves -dL/da (the
  // input sub-layer's output) in delta_a.
  void backward_recurrent() {
    Train& L = *t;
    constexpr size_t step = Train::step;
    L.dh.zero();
    L.output.template backward<A>(0, Train::rows, L.delta.data(), L.h.data() + step, L.dh.data());
    L.dnext.zero();
    for (int s = Train::steps - 1; s >= 0; --s) {
      float* dh = L.dh.data() + s * step;
      cuda::add_into(dh, L.dnext.data(), step);
      cuda::copy_device(L.delta_a.data() + s * step, dh, step);
      L.dprev.zero();
      // dh becomes the self sub-layer's delta, then its -dL/dz; only the
      // product that feeds h_{t-1} happens inside the time loop.
      L.self.template backward_pointwise<A>(s * Train::streams, (s + 1) * Train::streams, dh);
      if (s > 0) L.self.input_gradient(Train::streams, dh, L.dprev.data(), true);
      if (SHORTCUT) cuda::add_into(L.dprev.data(), L.delta_a.data() + s * step, step);
      L.dnext.swap(L.dprev);
    }
    // The recurrent weights' gradient over all steps at once: dWs += dZs^T [h_{-1} .. h_{T-2}].
    L.self.weight_gradient(Train::rows, L.dh.data(), L.h.data());
  }

  void recur(const real* x, cuda::OneHot c) {
    rnn_cuda::step_kernel<A, SHORTCUT><<<cuda::grid(H, n), cuda::kThreads>>>(cuda::view(d_input), cuda::view(d_self),
                                                                              x, c, h.data(), hn.data(), H);
    RNNC_CUDA_LAUNCHED();
    h.swap(hn);
  }
};

}  // namespace rnnc::layers
