// [gru]: darknet's gated recurrent unit, six linear connected sub-layers
// (batch norm per sub-layer), three on the state (w*) and three on the input (u*):
//   z = logistic(uz x + wz h), r = logistic(ur x + wr h),
//   hh = act(uh x + wh (r*h)) with act tanh (tanh=1) or logistic,
//   h' = z*h + (1-z)*hh; the output is h'.
// Everything it does lives here: one character (plain and fused), and
// forward and backward over a training batch. It has no batch kernels.
#pragma once
#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../dense/inference.h"
#include "../dense/reference.h"
#include "../dense/train.h"
#include "layer.h"
#include "params.h"

namespace rnnc::layers {

template <int IN, int H, bool TANH, int STEPS, int STREAMS, class Backend = Cpu>
struct Gru : GruParams {
  static constexpr int kIn = IN, kOut = H, kSublayers = 6;

  // ---- Parameters: params.h ----
  Gru(const std::string& name, bool batch_norm) : GruParams(name, IN, H, batch_norm) {}

  // ---- One character ----
  real h[H] = {};  // the state: h_{t-1}
  real y[H] = {};  // the output (copy)
  InferenceDense folded_wz, folded_wr, folded_wh, folded_uz, folded_ur, folded_uh;  // batch norm folded in

  void reset_state() { std::fill(std::begin(h), std::end(h), real(0)); }

  // gru_step, the plain reference: darknet's forward_gru_layer for one
  // character, every gate sub-layer a separate connected forward (product,
  // rolling-statistics batch norm, bias, linear activation), then the gate
  // sums, activations and state update as separate passes. TANH picks the
  // candidate's activation (tanh, else logistic).
  void step(const real* x) {
    const int n = wz.out;
    std::vector<real> hz(n), hr(n), xz(n), xr(n), xh(n), hh(n);
    dense_step_reference<Act::Linear>(wz, h, hz.data());
    dense_step_reference<Act::Linear>(wr, h, hr.data());
    dense_step_reference<Act::Linear>(uz, x, xz.data());
    dense_step_reference<Act::Linear>(ur, x, xr.data());
    dense_step_reference<Act::Linear>(uh, x, xh.data());
    std::vector<real> z(xz), r(xr);
    for (int j = 0; j < n; ++j) z[j] += hz[j];
    for (int j = 0; j < n; ++j) r[j] += hr[j];
    activate_array<Act::Logistic>(z.data(), n);
    activate_array<Act::Logistic>(r.data(), n);
    std::vector<real> forgot(h, h + n);
    for (int j = 0; j < n; ++j) forgot[j] *= r[j];
    dense_step_reference<Act::Linear>(wh, forgot.data(), hh.data());
    std::vector<real> cand(xh);
    for (int j = 0; j < n; ++j) cand[j] += hh[j];
    if (TANH)
      activate_array<Act::Tanh>(cand.data(), n);
    else
      activate_array<Act::Logistic>(cand.data(), n);
    for (int j = 0; j < n; ++j) h[j] = z[j] * h[j] + (1 - z[j]) * cand[j];
  }

  // gru_step.fused: all gate sums, the gate activations and the state update
  // in two passes over the outputs (the candidate reads r*h of every output).
  // The input projection of a one-hot character (gather) is a gathered row.
  void prepare_step_fused(bool gather) {
    folded_wz = prepare_dense(wz);
    folded_wr = prepare_dense(wr);
    folded_wh = prepare_dense(wh);
    folded_uz = gather ? prepare_gather(uz) : prepare_dense(uz);
    folded_ur = gather ? prepare_gather(ur) : prepare_dense(ur);
    folded_uh = gather ? prepare_gather(uh) : prepare_dense(uh);
  }
  void step_fused(const real* x) { fused<false>(x, 0); }
  void step_fused(int c) { fused<true>(nullptr, c); }

  // copy: the output is the state.
  void copy() { std::copy(std::begin(h), std::end(h), y); }

  static constexpr bool kHasBatch = false;  // no n-samples-at-once kernels (generate -n)

  // ---- Training over STEPS x STREAMS characters (rows time-major: row = t * streams + stream) ----
  // [gru]: z, r = logistic(u* x_t + w* h_{t-1}); hh = act(uh x_t + wh (r h_{t-1}));
  // h_t = z h_{t-1} + (1 - z) hh, act = tanh (tanh=1) or logistic.
  // Every gate is a linear connected sub-layer with batch norm per time step
  // (group = streams). The input (u*) sub-layers run over all time steps as
  // one product each; the recurrent (w*) ones step through time. The state
  // starts at zero in every batch. Backward is the exact gradient. Deltas
  // follow darknet's sign: -dLoss/d(value).
  struct Train {
    static constexpr int steps = STEPS, streams = STREAMS, hidden = H, rows = STEPS * STREAMS;
    enum { Z, R, C };  // gate order, as the file's wz wr wh (C: the candidate)
    train::DenseCache w_cache[3], u_cache[3];
    train::DenseScratch w_scratch[3], u_scratch[3];
    std::vector<real> h;           // (steps + 1) x streams x hidden; slot 0 is the zero initial state
    std::vector<real> zg, rg, hh;  // activated gates and candidate, rows x hidden
    std::vector<real> forgot;      // r * h_{t-1}, rows x hidden: wh's input
    std::vector<real> delta;       // -dL/dh_t for every step, filled by the next layer
    std::vector<real> dz[3], wd[3], dh, dprev, dforgot;
    explicit Train(bool bn)
        : h(size_t(steps + 1) * streams * H),
          zg(size_t(steps) * streams * H),
          rg(zg.size()),
          hh(zg.size()),
          forgot(zg.size()),
          delta(zg.size()) {
      for (int k = 0; k < 3; ++k) {
        w_cache[k] = train::DenseCache(rows, streams, H, bn);
        u_cache[k] = train::DenseCache(rows, streams, H, bn);
      }
    }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(wz.batch_norm)); }
  const real* train_output() const { return t->h.data() + size_t(Train::streams) * H; }
  real* delta() { return t->delta.data(); }
  void clear_delta() { std::fill(t->delta.begin(), t->delta.end(), real(0)); }

  void forward(const real* x) {
    DenseParams* u[3] = {&uz, &ur, &uh};
    refresh();
    for (int k = 0; k < 3; ++k)
      train::dense_train_forward<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, x);
    forward_recurrent();
  }
  void forward(const Symbol* chars) {
    DenseParams* u[3] = {&uz, &ur, &uh};
    refresh();
    for (int k = 0; k < 3; ++k)
      train::dense_train_forward_onehot<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, chars);
    forward_recurrent();
  }
  void backward(const real* x, real* dx) {
    DenseParams* u[3] = {&uz, &ur, &uh};
    backward_recurrent();
    for (int k = 0; k < 3; ++k)
      train::dense_train_backward<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, t->dz[k].data(), x, dx);
  }
  void backward(const Symbol* chars) {
    DenseParams* u[3] = {&uz, &ur, &uh};
    backward_recurrent();
    for (int k = 0; k < 3; ++k)
      train::dense_train_backward_onehot<Act::Linear>(*u[k], t->u_cache[k], 0, Train::rows, t->dz[k].data(), chars);
  }

 private:
  // Each gate sum is (input projection + its bias) + (recurrent product + its
  // bias), as darknet adds the two sub-layers' outputs. The folded weights go
  // by their sub-layers' names here.
  template <bool ONEHOT>
  void fused(const real* x, int c) {
    const InferenceDense &wz = folded_wz, &wr = folded_wr, &wh = folded_wh;
    const InferenceDense &uz = folded_uz, &ur = folded_ur, &uh = folded_uh;
    real z[H], forgot[H], next[H];
    parallel_for(
        H, [&](int j0, int j1) {
          real rz[H], rr[H], xz[H], xr[H];
          rows_dot<H>(wz, j0, j1, h, rz);
          rows_dot<H>(wr, j0, j1, h, rr);
          dense_rows<IN, H, ONEHOT>(uz, x, c, j0, j1, xz);
          dense_rows<IN, H, ONEHOT>(ur, x, c, j0, j1, xr);
          for (int j = j0; j < j1; ++j) {
            const int k = j - j0;
            z[j] = activate<Act::Logistic>(real(xz[k] + uz.b[j]) + real(rz[k] + wz.b[j]));
            real r = activate<Act::Logistic>(real(xr[k] + ur.b[j]) + real(rr[k] + wr.b[j]));
            forgot[j] = h[j] * r;
          }
        },
        kRowsPerThread(ONEHOT ? 2 * H : 2 * (IN + H)));
    parallel_for(
        H, [&](int j0, int j1) {
          real rh[H], xh[H];
          rows_dot<H>(wh, j0, j1, forgot, rh);
          dense_rows<IN, H, ONEHOT>(uh, x, c, j0, j1, xh);
          for (int j = j0; j < j1; ++j) {
            const int k = j - j0;
            real s = real(xh[k] + uh.b[j]) + real(rh[k] + wh.b[j]);
            real hh = TANH ? activate<Act::Tanh>(s) : activate<Act::Logistic>(s);
            next[j] = z[j] * h[j] + (1 - z[j]) * hh;
          }
        },
        kRowsPerThread(ONEHOT ? H : IN + H));
    std::memcpy(h, next, sizeof next);
  }

  void refresh() {
    DenseParams* w[3] = {&wz, &wr, &wh};
    DenseParams* u[3] = {&uz, &ur, &uh};
    for (int k = 0; k < 3; ++k) {
      t->w_scratch[k].refresh(*w[k]);
      t->u_scratch[k].refresh(*u[k]);
    }
  }

  void forward_recurrent() {
    DenseParams* w[3] = {&wz, &wr, &wh};
    Train& L = *t;
    const size_t step = size_t(Train::streams) * H;
    std::fill(L.h.begin(), L.h.begin() + step, real(0));
    for (int t = 0; t < Train::steps; ++t) {
      const int r0 = t * Train::streams, r1 = r0 + Train::streams;
      const size_t o = t * step;
      const real* prev = &L.h[o];
      train::dense_train_forward<Act::Linear>(*w[Train::Z], L.w_scratch[Train::Z], L.w_cache[Train::Z], r0, r1, prev);
      train::dense_train_forward<Act::Linear>(*w[Train::R], L.w_scratch[Train::R], L.w_cache[Train::R], r0, r1, prev);
      for (size_t e = 0; e < step; ++e) {
        L.zg[o + e] = activate<Act::Logistic>(L.u_cache[Train::Z].y[o + e] + L.w_cache[Train::Z].y[o + e]);
        L.rg[o + e] = activate<Act::Logistic>(L.u_cache[Train::R].y[o + e] + L.w_cache[Train::R].y[o + e]);
        L.forgot[o + e] = prev[e] * L.rg[o + e];
      }
      train::dense_train_forward<Act::Linear>(*w[Train::C], L.w_scratch[Train::C], L.w_cache[Train::C], r0, r1,
                                              &L.forgot[o]);
      real* next = &L.h[o + step];
      for (size_t e = 0; e < step; ++e) {
        real s = L.u_cache[Train::C].y[o + e] + L.w_cache[Train::C].y[o + e];
        real c = TANH ? activate<Act::Tanh>(s) : activate<Act::Logistic>(s);
        L.hh[o + e] = c;
        real zz = L.zg[o + e];
        next[e] = zz * prev[e] + (1 - zz) * c;
      }
    }
  }

  // Back through time; leaves -dL/d(pre-activation) of z, r and the candidate
  // for every row in dz, the input sub-layers' deltas.
  void backward_recurrent() {
    DenseParams* w[3] = {&wz, &wr, &wh};
    Train& L = *t;
    const size_t step = size_t(Train::streams) * H, n = size_t(Train::rows) * H;
    for (int k = 0; k < 3; ++k) {
      L.dz[k].resize(n);
      L.wd[k].resize(n);
    }
    L.dh.assign(step, real(0));
    for (int t = Train::steps - 1; t >= 0; --t) {
      const size_t o = t * step;
      const int r0 = t * Train::streams, r1 = r0 + Train::streams;
      const real* prev = &L.h[o];
      L.dprev.resize(step);
      for (size_t e = 0; e < step; ++e) {
        real dh = L.delta[o + e] + L.dh[e];
        real zz = L.zg[o + e], c = L.hh[o + e];
        L.dz[Train::Z][o + e] = dh * (prev[e] - c) * zz * (1 - zz);
        L.dz[Train::C][o + e] = dh * (1 - zz) * (TANH ? 1 - c * c : c * (1 - c));
        L.dprev[e] = dh * zz;
      }
      // The candidate's recurrent sub-layer reads r * h_{t-1}.
      real* wdh = &L.wd[Train::C][o];
      std::copy(&L.dz[Train::C][o], &L.dz[Train::C][o] + step, wdh);
      train::dense_train_backward_pointwise<Act::Linear>(*w[Train::C], L.w_cache[Train::C], r0, r1, wdh);
      L.dforgot.assign(step, real(0));
      train::input_gradient_product(*w[Train::C], L.w_scratch[Train::C], Train::streams, wdh, L.dforgot.data(), false);
      for (size_t e = 0; e < step; ++e) {
        real r = L.rg[o + e];
        L.dz[Train::R][o + e] = L.dforgot[e] * prev[e] * r * (1 - r);
        L.dprev[e] += L.dforgot[e] * r;
      }
      for (int k : {Train::Z, Train::R}) {
        real* wd = &L.wd[k][o];
        std::copy(&L.dz[k][o], &L.dz[k][o] + step, wd);
        train::dense_train_backward_pointwise<Act::Linear>(*w[k], L.w_cache[k], r0, r1, wd);
        if (t > 0) train::input_gradient_product(*w[k], L.w_scratch[k], Train::streams, wd, L.dprev.data(), true);
      }
      L.dh.swap(L.dprev);
    }
    // The recurrent weights' updates for all steps at once: dW += dZ^T [h_{-1} .. h_{T-2}]
    // (r * h for the candidate's).
    train::weight_gradient_product(*w[Train::Z], Train::rows, L.wd[Train::Z].data(), L.h.data());
    train::weight_gradient_product(*w[Train::R], Train::rows, L.wd[Train::R].data(), L.h.data());
    train::weight_gradient_product(*w[Train::C], Train::rows, L.wd[Train::C].data(), L.forgot.data());
  }
};

}  // namespace rnnc::layers
