// [lstm] on a CUDA device, one character at a time: the same class as
// layers/lstm.h, specialised on the Cuda tag. One kernel per step: a warp per
// output computes its eight gate products (w* over h, u* over x or a
// gathered element for a one-hot character), the gates and the state update,
// with lstm.h's fused order of sums.
#pragma once
#include <string>
#include <vector>

#include "../cuda/device.cuh"
#include "../cuda/persistent.cuh"
#include "layer.h"

namespace rnnc::layers {

template <int IN, int H, int STEPS, int STREAMS, class Backend>
struct Lstm;

namespace lstm_cuda {
struct Gates {
  cuda::DenseView w[4], u[4];  // i f o g, as the file's wi wf wo wg / ui uf uo ug
};
__global__ void step_kernel(Gates g, const float* x, cuda::OneHot c, const float* h, float* cell, float* hn,
                            int H) {
  const int j = cuda::warp_row();
  if (j >= H) return;
  h = cuda::of_sample(h, H);
  cell = cuda::of_sample(cell, H);
  hn = cuda::of_sample(hn, H);
  float r[4], in[4];
  for (int k = 0; k < 4; ++k) {
    r[k] = cuda::warp_dot(g.w[k].w + size_t(j) * H, h, H);
    in[k] = cuda::row_product(g.u[k], j, x, c);
  }
  if (cuda::lane() != 0) return;
  auto sum = [&](int k) { return float(r[k] + g.w[k].b[j]) + float(in[k] + g.u[k].b[j]); };
  float i = cuda::activate<Act::Logistic>(sum(0));
  float f = cuda::activate<Act::Logistic>(sum(1));
  float o = cuda::activate<Act::Logistic>(sum(2));
  float gg = cuda::activate<Act::Tanh>(sum(3));
  float cj = cell[j] * f;
  cj += i * gg;
  cell[j] = cj;
  hn[j] = cuda::activate<Act::Tanh>(cj) * o;
}
}  // namespace lstm_cuda

template <int IN, int H, int STEPS, int STREAMS>
struct Lstm<IN, H, STEPS, STREAMS, Cuda> : cuda::DeviceOutput {
  static constexpr int kIn = IN, kOut = H, kSublayers = 8;
  DenseParams wi, wf, wo, wg, ui, uf, uo, ug;
  Lstm(const std::string& name, bool batch_norm)
      : wi(name + ".wi", H, H, batch_norm),
        wf(name + ".wf", H, H, batch_norm),
        wo(name + ".wo", H, H, batch_norm),
        wg(name + ".wg", H, H, batch_norm),
        ui(name + ".ui", IN, H, batch_norm),
        uf(name + ".uf", IN, H, batch_norm),
        uo(name + ".uo", IN, H, batch_norm),
        ug(name + ".ug", IN, H, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&wi, &wf, &wo, &wg, &ui, &uf, &uo, &ug}; }
  std::vector<DenseParams*> in_build_order() { return {&uf, &ui, &ug, &uo, &wf, &wi, &wg, &wo}; }

  cuda::DeviceDense d_w[4], d_u[4];
  cuda::DeviceArray h, hn, cell;

  void prepare_device() {
    const DenseParams* w[4] = {&wi, &wf, &wo, &wg};
    const DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    for (int k = 0; k < 4; ++k) {
      d_w[k].upload(*w[k]);
      d_u[k].upload(*u[k]);
    }
    reset_batch(1);
  }
  // n samples' state, zeroed (n = 1: one character at a time).
  void reset_batch(int samples) {
    n = samples;
    h.resize(size_t(H) * n);
    hn.resize(size_t(H) * n);
    cell.resize(size_t(H) * n);
    allocate_output(H);
  }
  void reset_state() {
    h.zero();
    cell.zero();
  }

  // x: [n][IN] on the device; c: the one-hot character (cs: one per sample).
  void step(const real* x) { recur(x, {}); }
  void step(int c) { recur(nullptr, {c, nullptr}); }
  void step(const Symbol* cs) { recur(nullptr, {0, cs}); }
  void step_fused(const real* x) { step(x); }
  void step_fused(int c) { step(c); }
  void step_fused(const Symbol* cs) { step(cs); }
  void copy() { out.copy_from(h.data(), h.size()); }

  // ---- persistent generation (cuda/persistent.cuh): one phase a step ----
  // Row j's eight gate products (w* over h, u* over x or gathered), the
  // gates and the cell in place (only row j's owner touches cell[j]); the
  // output is the new h itself.
  struct Persistent {
    cuda::Phase gates;  // m[0..3]: wi wf wo wg over h; m[4..7]: ui uf uo ug over x
    float* h[2];        // the state, by step parity
    float* cell;
    __device__ void load_rows(const cuda::Ctx& c) const { cuda::load_phase_rows(gates, c); }
    __device__ const float* run(const cuda::Ctx& c, cooperative_groups::grid_group& grid, const float* x,
                                cuda::OneHot sym, long long t) const {
      const float* h0 = h[t & 1];
      float* h1 = h[(t + 1) & 1];
      cuda::run_phase(gates, c, x, sym, h0, [&](int j, int s, const float* prod) {
        auto sum = [&](int k) {
          return float(prod[k] + gates.m[k].b[j]) + float(prod[4 + k] + gates.m[4 + k].b[j]);
        };
        const float i = cuda::activate<Act::Logistic>(sum(0));
        const float f = cuda::activate<Act::Logistic>(sum(1));
        const float o = cuda::activate<Act::Logistic>(sum(2));
        const float g = cuda::activate<Act::Tanh>(sum(3));
        const size_t at = size_t(s) * H + j;
        float cj = cell[at] * f;
        cj += i * g;
        cell[at] = cj;
        h1[at] = cuda::activate<Act::Tanh>(cj) * o;
      });
      grid.sync();
      return h1;
    }
  };
  void persistent(Persistent& p, cuda::PhaseList& list, bool gathered) {
    p.gates = {};
    for (int k = 0; k < 4; ++k) p.gates.add(d_w[k], false, true);
    for (int k = 0; k < 4; ++k) p.gates.add(d_u[k], gathered, false);
    p.h[0] = h.data();
    p.h[1] = hn.data();
    p.cell = cell.data();
    list.add(p.gates);
  }

 private:
  void recur(const real* x, cuda::OneHot c) {
    lstm_cuda::Gates g;
    for (int k = 0; k < 4; ++k) {
      g.w[k] = cuda::view(d_w[k]);
      g.u[k] = cuda::view(d_u[k]);
    }
    lstm_cuda::step_kernel<<<cuda::grid(H, n), cuda::kThreads>>>(g, x, c, h.data(), cell.data(), hn.data(), H);
    RNNC_CUDA_LAUNCHED();
    h.swap(hn);
  }
};

}  // namespace rnnc::layers
