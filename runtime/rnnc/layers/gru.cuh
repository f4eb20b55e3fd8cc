// [gru] on a CUDA device, one character at a time: the same class as
// layers/gru.h, specialised on the Cuda tag. Two kernels per step, as the
// candidate reads r*h of every output: the gates z and r (and r*h), then the
// candidate and the state update, with gru.h's fused order of sums.
#pragma once
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "layer.h"

namespace rnnc::layers {

template <int IN, int H, bool TANH, int STEPS, int STREAMS, class Backend>
struct Gru;

namespace gru_cuda {
// z and r*h (forgot) of every output.
__global__ void gates_kernel(cuda::DenseView wz, cuda::DenseView wr, cuda::DenseView uz, cuda::DenseView ur,
                             const float* x, cuda::OneHot c, const float* h, float* z, float* forgot, int H) {
  const int j = cuda::warp_row();
  if (j >= H) return;
  h = cuda::of_sample(h, H);
  z = cuda::of_sample(z, H);
  forgot = cuda::of_sample(forgot, H);
  float rz = cuda::warp_dot(wz.w + size_t(j) * H, h, H);
  float rr = cuda::warp_dot(wr.w + size_t(j) * H, h, H);
  float xz = cuda::row_product(uz, j, x, c);
  float xr = cuda::row_product(ur, j, x, c);
  if (cuda::lane() != 0) return;
  z[j] = cuda::activate<Act::Logistic>(float(xz + uz.b[j]) + float(rz + wz.b[j]));
  float r = cuda::activate<Act::Logistic>(float(xr + ur.b[j]) + float(rr + wr.b[j]));
  forgot[j] = h[j] * r;
}
// h' = z*h + (1-z)*act(uh x + wh (r*h)), into hn.
template <bool TANH>
__global__ void update_kernel(cuda::DenseView wh, cuda::DenseView uh, const float* x, cuda::OneHot c, const float* h,
                              const float* z, const float* forgot, float* hn, int H) {
  const int j = cuda::warp_row();
  if (j >= H) return;
  h = cuda::of_sample(h, H);
  z = cuda::of_sample(z, H);
  forgot = cuda::of_sample(forgot, H);
  hn = cuda::of_sample(hn, H);
  float rh = cuda::warp_dot(wh.w + size_t(j) * H, forgot, H);
  float xh = cuda::row_product(uh, j, x, c);
  if (cuda::lane() != 0) return;
  float s = float(xh + uh.b[j]) + float(rh + wh.b[j]);
  float hh = TANH ? cuda::activate<Act::Tanh>(s) : cuda::activate<Act::Logistic>(s);
  hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
}
}  // namespace gru_cuda

template <int IN, int H, bool TANH, int STEPS, int STREAMS>
struct Gru<IN, H, TANH, STEPS, STREAMS, Cuda> : cuda::DeviceOutput {
  static constexpr int kIn = IN, kOut = H, kSublayers = 6;
  DenseParams wz, wr, wh, uz, ur, uh;
  Gru(const std::string& name, bool batch_norm)
      : wz(name + ".wz", H, H, batch_norm),
        wr(name + ".wr", H, H, batch_norm),
        wh(name + ".wh", H, H, batch_norm),
        uz(name + ".uz", IN, H, batch_norm),
        ur(name + ".ur", IN, H, batch_norm),
        uh(name + ".uh", IN, H, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&wz, &wr, &wh, &uz, &ur, &uh}; }
  std::vector<DenseParams*> in_build_order() { return {&uz, &wz, &ur, &wr, &uh, &wh}; }

  cuda::DeviceDense d_wz, d_wr, d_wh, d_uz, d_ur, d_uh;
  cuda::DeviceArray h, hn, z, forgot;

  void prepare_device() {
    d_wz.upload(wz);
    d_wr.upload(wr);
    d_wh.upload(wh);
    d_uz.upload(uz);
    d_ur.upload(ur);
    d_uh.upload(uh);
    reset_batch(1);
  }
  // n samples' state, zeroed (n = 1: one character at a time).
  void reset_batch(int samples) {
    n = samples;
    h.resize(size_t(H) * n);
    hn.resize(size_t(H) * n);
    z.resize(size_t(H) * n);
    forgot.resize(size_t(H) * n);
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
  void copy() { out.copy_from(h.data(), h.size()); }

 private:
  void recur(const real* x, cuda::OneHot c) {
    using namespace cuda;
    gru_cuda::gates_kernel<<<grid(H, n), kThreads>>>(view(d_wz), view(d_wr), view(d_uz), view(d_ur), x, c, h.data(),
                                                     z.data(), forgot.data(), H);
    RNNC_CUDA_LAUNCHED();
    gru_cuda::update_kernel<TANH><<<grid(H, n), kThreads>>>(view(d_wh), view(d_uh), x, c, h.data(), z.data(),
                                                            forgot.data(), hn.data(), H);
    RNNC_CUDA_LAUNCHED();
    h.swap(hn);
  }
};

}  // namespace rnnc::layers
