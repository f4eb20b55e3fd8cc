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

 private:
  void recur(const real* x, cuda::OneHot c) {
    rnn_cuda::step_kernel<A, SHORTCUT><<<cuda::grid(H, n), cuda::kThreads>>>(cuda::view(d_input), cuda::view(d_self),
                                                                              x, c, h.data(), hn.data(), H);
    RNNC_CUDA_LAUNCHED();
    h.swap(hn);
  }
};

}  // namespace rnnc::layers
