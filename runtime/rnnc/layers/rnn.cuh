// [rnn] on a CUDA device, one character at a time (generate, valid, probs):
// the same class as layers/rnn.h, specialised on the Cuda tag. One kernel
// per recurrent step (the input and self sub-layers, their activations and
// the state sum; a warp per output), one for the output sub-layer. The plain
// and fused ops compute the same thing here: the weights are folded once on
// upload, as the CPU's fused path folds them. n samples at once (generate -n)
// run the same kernels over a grid of n (cuda/device.cuh).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "layer.h"

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
}  // namespace rnn_cuda

template <int IN, int H, Act A, bool SHORTCUT, int STEPS, int STREAMS>
struct Rnn<IN, H, A, SHORTCUT, STEPS, STREAMS, Cuda> : cuda::DeviceOutput {
  static constexpr int kIn = IN, kOut = H, kSublayers = 3;
  DenseParams input, self, output;
  Rnn(const std::string& name, bool batch_norm)
      : input(name + ".input", IN, H, batch_norm),
        self(name + ".self", H, H, batch_norm),
        output(name + ".output", H, H, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&input, &self, &output}; }
  std::vector<DenseParams*> in_build_order() { return {&input, &self, &output}; }

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

  // x: [n][IN] on the device; c: the one-hot character (cs: one per sample).
  void step(const real* x) { recur(x, {}); }
  void step(int c) { recur(nullptr, {c, nullptr}); }
  void step(const Symbol* cs) { recur(nullptr, {0, cs}); }
  void step_fused(const real* x) { step(x); }
  void step_fused(int c) { step(c); }
  void step_fused(const Symbol* cs) { step(cs); }
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

 private:
  void recur(const real* x, cuda::OneHot c) {
    rnn_cuda::step_kernel<A, SHORTCUT><<<cuda::grid(H, n), cuda::kThreads>>>(cuda::view(d_input), cuda::view(d_self),
                                                                              x, c, h.data(), hn.data(), H);
    RNNC_CUDA_LAUNCHED();
    h.swap(hn);
  }
};

}  // namespace rnnc::layers
