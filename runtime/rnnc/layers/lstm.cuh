// [lstm] on a CUDA device, one character at a time: the same class as
// layers/lstm.h, specialised on the Cuda tag. One kernel per step: a warp per
// output computes its eight gate products (w* over h, u* over x or a
// gathered element for a one-hot character), the gates and the state update,
// with lstm.h's fused order of sums.
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

// ---- Training (see the class's training section) ----
enum { I, F, O, G };  // gate order, as the file's wi wf wo wg
// One time step's rows (offsets applied): the sub-layers' outputs, the gates, the states.
struct TrainStep {
  const float* wy[4];
  const float* uy[4];
  float* gate[4];
  const float* c;  // c_{t-1}
  float* cn;       // c_t
  float* tc;       // tanh(c_t)
  float* hn;       // h_t
  const float* delta;  // -dL/dh_t from the next layer
  float* dz[4];        // -dL/d(gate pre-activation)
};
// The gates and the new state, lstm.h's training forward per element.
__global__ void train_gates(TrainStep s, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  float f = cuda::activate<Act::Logistic>(s.wy[F][e] + s.uy[F][e]);
  float i = cuda::activate<Act::Logistic>(s.wy[I][e] + s.uy[I][e]);
  float g = cuda::activate<Act::Tanh>(s.wy[G][e] + s.uy[G][e]);
  float og = cuda::activate<Act::Logistic>(s.wy[O][e] + s.uy[O][e]);
  s.gate[F][e] = f;
  s.gate[I][e] = i;
  s.gate[G][e] = g;
  s.gate[O][e] = og;
  float cn = s.c[e] * f + i * g;
  s.cn[e] = cn;
  float th = cuda::activate<Act::Tanh>(cn);
  s.tc[e] = th;
  s.hn[e] = og * th;
}
// Back through one step's gates: dh (-dL/dh_t from step t+1) and dc (-dL/dc_t) in, dc becomes -dL/dc_{t-1}.
__global__ void train_gates_backward(TrainStep s, const float* dh_next, float* dc, size_t n) {
  const size_t e = cuda::point_index();
  if (e >= n) return;
  float dh = s.delta[e] + dh_next[e];
  float th = s.tc[e];
  float f = s.gate[F][e], i = s.gate[I][e], g = s.gate[G][e], og = s.gate[O][e];
  float d = dc[e] + dh * og * (1 - th * th);
  s.dz[O][e] = dh * th * og * (1 - og);
  s.dz[I][e] = d * g * i * (1 - i);
  s.dz[G][e] = d * i * (1 - g * g);
  s.dz[F][e] = d * s.c[e] * f * (1 - f);
  dc[e] = d * f;
}
// The buffers of a layer's training on the device (the class's training section).
template <int H, int STEPS, int STREAMS>
struct Train {
  static constexpr int steps = STEPS, streams = STREAMS, rows = STEPS * STREAMS;
  static constexpr size_t step = size_t(STREAMS) * H, all = size_t(rows) * H;
  cuda::TrainDense w[4], u[4];
  cuda::DeviceArray h, c;     // (steps + 1) x streams x H; slot 0 is the zero initial state
  cuda::DeviceArray gate[4];  // activated gates, rows x H
  cuda::DeviceArray tc;       // tanh(c_t)
  cuda::DeviceArray delta;    // -dL/dh_t for every step, filled by the next layer
  cuda::DeviceArray dz[4], wd[4], dh, dc, dprev;
  explicit Train(LstmParams& l) : h(all + step), c(all + step), tc(all), delta(all), dh(step), dc(step), dprev(step) {
    DenseParams* wp[4] = {&l.wi, &l.wf, &l.wo, &l.wg};
    DenseParams* up[4] = {&l.ui, &l.uf, &l.uo, &l.ug};
    for (int k = 0; k < 4; ++k) {
      w[k].bind(*wp[k], rows, streams);
      u[k].bind(*up[k], rows, streams);
      gate[k].resize(all);
      dz[k].resize(all);
      wd[k].resize(all);
    }
  }
  TrainStep at(int t) {
    const size_t o = t * step;
    TrainStep s;
    for (int k = 0; k < 4; ++k) {
      s.wy[k] = w[k].y.data() + o;
      s.uy[k] = u[k].y.data() + o;
      s.gate[k] = gate[k].data() + o;
      s.dz[k] = dz[k].data() + o;
    }
    s.c = c.data() + o;
    s.cn = c.data() + o + step;
    s.tc = tc.data() + o;
    s.hn = h.data() + o + step;
    s.delta = delta.data() + o;
    return s;
  }
};
}  // namespace lstm_cuda

template <int IN, int H, int STEPS, int STREAMS>
struct Lstm<IN, H, STEPS, STREAMS, Cuda>
    : cuda::DeviceOutput,
      LstmParams,
      cuda::RecurrentSteps<Lstm<IN, H, STEPS, STREAMS, Cuda>>,
      cuda::GatedTraining<Lstm<IN, H, STEPS, STREAMS, Cuda>, lstm_cuda::Train<H, STEPS, STREAMS>> {
  using Train = lstm_cuda::Train<H, STEPS, STREAMS>;
  friend struct cuda::RecurrentSteps<Lstm>;
  friend struct cuda::GatedTraining<Lstm, Train>;
  static constexpr int kIn = IN, kOut = H, kSublayers = 8;
  Lstm(const std::string& name, bool batch_norm) : LstmParams(name, IN, H, batch_norm) {}

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

  // ---- Training on the device (train): lstm.h's training as cuda::TrainDense passes (cuda::GatedTraining) ----
  // The input (u*) sub-layers run over all time steps as one product each;
  // the recurrent (w*) ones step through time, then one kernel computes the
  // gates and the state; their weight gradients are one product each over
  // the whole sequence. The state starts at zero in every batch.
 private:
  void forward_recurrent() {
    Train& L = *this->t;
    constexpr size_t step = Train::step;
    cuda::zero_device(L.h.data(), step);
    cuda::zero_device(L.c.data(), step);
    for (int s = 0; s < Train::steps; ++s) {
      for (auto& d : L.w) d.template forward<Act::Linear>(s * Train::streams, (s + 1) * Train::streams, L.h.data() + s * step);
      lstm_cuda::train_gates<<<cuda::point_blocks(step), cuda::kPointThreads>>>(L.at(s), step);
      RNNC_CUDA_LAUNCHED();
    }
  }

  // Back through time; leaves -dL/d(gate pre-activation) of every row in dz, the input sub-layers' deltas.
  void backward_recurrent() {
    Train& L = *this->t;
    constexpr size_t step = Train::step;
    L.dh.zero();
    L.dc.zero();
    for (int s = Train::steps - 1; s >= 0; --s) {
      const size_t o = s * step;
      lstm_cuda::train_gates_backward<<<cuda::point_blocks(step), cuda::kPointThreads>>>(L.at(s), L.dh.data(),
                                                                                        L.dc.data(), step);
      RNNC_CUDA_LAUNCHED();
      L.dprev.zero();
      for (int k = 0; k < 4; ++k) {
        float* wd = L.wd[k].data() + o;
        cuda::copy_device(wd, L.dz[k].data() + o, step);
        L.w[k].template backward_pointwise<Act::Linear>(s * Train::streams, (s + 1) * Train::streams, wd);
        if (s > 0) L.w[k].input_gradient(Train::streams, wd, L.dprev.data(), true);
      }
      L.dh.swap(L.dprev);
    }
    // The recurrent weights' gradients over all steps at once: dW += dZ^T [h_{-1} .. h_{T-2}].
    for (int k = 0; k < 4; ++k) L.w[k].weight_gradient(Train::rows, L.wd[k].data(), L.h.data());
  }

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
