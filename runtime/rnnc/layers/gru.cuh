// [gru] on a CUDA device, one character at a time: the same class as
// layers/gru.h, specialised on the Cuda tag. Two kernels per step, as the
// candidate reads r*h of every output: the gates z and r (and r*h), then the
// candidate and the state update, with gru.h's fused order of sums.
#pragma once
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
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

  // ---- persistent generation (cuda/persistent.cuh): two phases a step ----
  // The gates z and r*h of every output, then the candidate (it reads r*h of
  // every output) and the state update; the output is the new h itself.
  struct Persistent {
    cuda::Phase gates;   // wz wr over h, uz ur over x
    cuda::Phase update;  // wh over r*h, uh over x
    float* h[2];         // the state, by step parity
    float* z;
    float* forgot;
    __device__ void load_rows(const cuda::Ctx& c) const {
      cuda::load_phase_rows(gates, c);
      cuda::load_phase_rows(update, c);
    }
    __device__ const float* run(const cuda::Ctx& c, cooperative_groups::grid_group& grid, const float* x,
                                cuda::OneHot sym, long long t) const {
      const float* h0 = h[t & 1];
      float* h1 = h[(t + 1) & 1];
      cuda::run_phase(gates, c, x, sym, h0, [&](int j, int s, const float* prod) {
        const size_t at = size_t(s) * H + j;
        z[at] = cuda::activate<Act::Logistic>(float(prod[2] + gates.m[2].b[j]) + float(prod[0] + gates.m[0].b[j]));
        const float r =
            cuda::activate<Act::Logistic>(float(prod[3] + gates.m[3].b[j]) + float(prod[1] + gates.m[1].b[j]));
        forgot[at] = __ldcg(h0 + at) * r;
      });
      grid.sync();
      cuda::run_phase(update, c, x, sym, forgot, [&](int j, int s, const float* prod) {
        const size_t at = size_t(s) * H + j;
        const float sum = float(prod[1] + update.m[1].b[j]) + float(prod[0] + update.m[0].b[j]);
        const float hh = TANH ? cuda::activate<Act::Tanh>(sum) : cuda::activate<Act::Logistic>(sum);
        const float zj = __ldcg(z + at);
        h1[at] = zj * __ldcg(h0 + at) + (1 - zj) * hh;
      });
      grid.sync();
      return h1;
    }
  };
  void persistent(Persistent& p, cuda::PhaseList& list, bool gathered) {
    p.gates = {};
    p.gates.add(d_wz, false, true);
    p.gates.add(d_wr, false, true);
    p.gates.add(d_uz, gathered, false);
    p.gates.add(d_ur, gathered, false);
    p.update = {};
    p.update.add(d_wh, false, true);
    p.update.add(d_uh, gathered, false);
    p.h[0] = h.data();
    p.h[1] = hn.data();
    p.z = z.data();
    p.forgot = forgot.data();
    list.add(p.gates);
    list.add(p.update);
  }

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
