// [gru] on a CUDA device, one character at a time: the same class as
// layers/gru.h, specialised on the Cuda tag. Two kernels per step, as the
// candidate reads r*h of every output: the gates z and r (and r*h), then the
// candidate and the state update, with gru.h's fused order of sums.
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

// ---- Training (see the class's training section) ----
enum { Z, R, C };  // gate order, as the file's wz wr wh (C: the candidate)
// One time step's rows (offsets applied).
struct TrainStep {
  const float* wy[3];
  const float* uy[3];
  const float* prev;  // h_{t-1}
  float* hn;          // h_t
  float *zg, *rg, *hh, *forgot;
  const float* delta;  // -dL/dh_t from the next layer
  float* dz[3];
};
// z, r and r * h_{t-1} (the candidate's recurrent input).
__global__ void train_gates(TrainStep s, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  s.zg[e] = cuda::activate<Act::Logistic>(s.uy[Z][e] + s.wy[Z][e]);
  float r = cuda::activate<Act::Logistic>(s.uy[R][e] + s.wy[R][e]);
  s.rg[e] = r;
  s.forgot[e] = s.prev[e] * r;
}
// The candidate and the new state.
template <bool TANH>
__global__ void train_update(TrainStep s, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  float sum = s.uy[C][e] + s.wy[C][e];
  float c = TANH ? cuda::activate<Act::Tanh>(sum) : cuda::activate<Act::Logistic>(sum);
  s.hh[e] = c;
  float zz = s.zg[e];
  s.hn[e] = zz * s.prev[e] + (1 - zz) * c;
}
// Backward through the state update: dh_next (-dL/dh_t from step t+1) in; dz of z and the candidate, and dprev's first part.
template <bool TANH>
__global__ void train_update_backward(TrainStep s, const float* dh_next, float* dprev, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  float dh = s.delta[e] + dh_next[e];
  float zz = s.zg[e], c = s.hh[e];
  s.dz[Z][e] = dh * (s.prev[e] - c) * zz * (1 - zz);
  s.dz[C][e] = dh * (1 - zz) * (TANH ? 1 - c * c : c * (1 - c));
  dprev[e] = dh * zz;
}
// Backward through r * h_{t-1}: r's dz, and dprev's second part.
__global__ void train_reset_backward(TrainStep s, const float* dforgot, float* dprev, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  float r = s.rg[e];
  s.dz[R][e] = dforgot[e] * s.prev[e] * r * (1 - r);
  dprev[e] += dforgot[e] * r;
}
// The buffers of a layer's training on the device (the class's training section).
template <int H, int STEPS, int STREAMS>
struct Train {
  static constexpr int steps = STEPS, streams = STREAMS, rows = STEPS * STREAMS;
  static constexpr size_t step = size_t(STREAMS) * H, all = size_t(rows) * H;
  cuda::TrainDense w[3], u[3];
  cuda::DeviceArray h;                   // (steps + 1) x streams x H; slot 0 is the zero initial state
  cuda::DeviceArray zg, rg, hh, forgot;  // gates, candidate, r * h_{t-1}: rows x H
  cuda::DeviceArray delta;               // -dL/dh_t for every step, filled by the next layer
  cuda::DeviceArray dz[3], wd[3], dh, dprev, dforgot;
  explicit Train(GruParams& l)
      : h(all + step), zg(all), rg(all), hh(all), forgot(all), delta(all), dh(step), dprev(step), dforgot(step) {
    DenseParams* wp[3] = {&l.wz, &l.wr, &l.wh};
    DenseParams* up[3] = {&l.uz, &l.ur, &l.uh};
    for (int k = 0; k < 3; ++k) {
      w[k].bind(*wp[k], rows, streams);
      u[k].bind(*up[k], rows, streams);
      dz[k].resize(all);
      wd[k].resize(all);
    }
  }
  TrainStep at(int t) {
    const size_t o = t * step;
    TrainStep s;
    for (int k = 0; k < 3; ++k) {
      s.wy[k] = w[k].y.data() + o;
      s.uy[k] = u[k].y.data() + o;
      s.dz[k] = dz[k].data() + o;
    }
    s.prev = h.data() + o;
    s.hn = h.data() + o + step;
    s.zg = zg.data() + o;
    s.rg = rg.data() + o;
    s.hh = hh.data() + o;
    s.forgot = forgot.data() + o;
    s.delta = delta.data() + o;
    return s;
  }
};
}  // namespace gru_cuda

template <int IN, int H, bool TANH, int STEPS, int STREAMS>
struct Gru<IN, H, TANH, STEPS, STREAMS, Cuda>
    : cuda::DeviceOutput,
      GruParams,
      cuda::RecurrentSteps<Gru<IN, H, TANH, STEPS, STREAMS, Cuda>>,
      cuda::GatedTraining<Gru<IN, H, TANH, STEPS, STREAMS, Cuda>, gru_cuda::Train<H, STEPS, STREAMS>> {
  using Train = gru_cuda::Train<H, STEPS, STREAMS>;
  friend struct cuda::RecurrentSteps<Gru>;
  friend struct cuda::GatedTraining<Gru, Train>;
  static constexpr int kIn = IN, kOut = H, kSublayers = 6;
  Gru(const std::string& name, bool batch_norm) : GruParams(name, IN, H, batch_norm) {}

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

  // ---- Training on the device (train): gru.h's training as cuda::TrainDense passes (cuda::GatedTraining) ----
  // The input (u*) sub-layers run over all time steps as one product each;
  // the recurrent (w*) ones step through time; their weight gradients are one
  // product each over the whole sequence. The state starts at zero in every batch.
 private:
  void forward_recurrent() {
    using namespace gru_cuda;
    Train& L = *this->t;
    constexpr size_t step = Train::step;
    const int blocks = cuda::point_blocks(step);
    cuda::zero_device(L.h.data(), step);
    for (int s = 0; s < Train::steps; ++s) {
      const int r0 = s * Train::streams, r1 = r0 + Train::streams;
      const float* prev = L.h.data() + s * step;
      L.w[Z].template forward<Act::Linear>(r0, r1, prev);
      L.w[R].template forward<Act::Linear>(r0, r1, prev);
      train_gates<<<blocks, cuda::kPointThreads>>>(L.at(s), step);
      RNNC_CUDA_LAUNCHED();
      L.w[C].template forward<Act::Linear>(r0, r1, L.forgot.data() + s * step);
      train_update<TANH><<<blocks, cuda::kPointThreads>>>(L.at(s), step);
      RNNC_CUDA_LAUNCHED();
    }
  }

  // Back through time; leaves -dL/d(pre-activation) of z, r and the candidate in dz, the input sub-layers' deltas.
  void backward_recurrent() {
    using namespace gru_cuda;
    Train& L = *this->t;
    constexpr size_t step = Train::step;
    const int blocks = cuda::point_blocks(step);
    L.dh.zero();
    for (int s = Train::steps - 1; s >= 0; --s) {
      const size_t o = s * step;
      const int r0 = s * Train::streams, r1 = r0 + Train::streams;
      train_update_backward<TANH><<<blocks, cuda::kPointThreads>>>(L.at(s), L.dh.data(), L.dprev.data(), step);
      RNNC_CUDA_LAUNCHED();
      // The candidate's recurrent sub-layer reads r * h_{t-1}.
      float* wdh = L.wd[C].data() + o;
      cuda::copy_device(wdh, L.dz[C].data() + o, step);
      L.w[C].template backward_pointwise<Act::Linear>(r0, r1, wdh);
      L.w[C].input_gradient(Train::streams, wdh, L.dforgot.data(), false);
      train_reset_backward<<<blocks, cuda::kPointThreads>>>(L.at(s), L.dforgot.data(), L.dprev.data(), step);
      RNNC_CUDA_LAUNCHED();
      for (int k : {int(Z), int(R)}) {
        float* wd = L.wd[k].data() + o;
        cuda::copy_device(wd, L.dz[k].data() + o, step);
        L.w[k].template backward_pointwise<Act::Linear>(r0, r1, wd);
        if (s > 0) L.w[k].input_gradient(Train::streams, wd, L.dprev.data(), true);
      }
      L.dh.swap(L.dprev);
    }
    // The recurrent weights' gradients over all steps at once (r * h for the candidate's).
    L.w[Z].weight_gradient(Train::rows, L.wd[Z].data(), L.h.data());
    L.w[R].weight_gradient(Train::rows, L.wd[R].data(), L.h.data());
    L.w[C].weight_gradient(Train::rows, L.wd[C].data(), L.forgot.data());
  }

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
