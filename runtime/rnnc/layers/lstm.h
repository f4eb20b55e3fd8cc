// [lstm]: darknet's long short-term memory layer, eight linear connected
// sub-layers (w* read h_{t-1}, u* read x_t) with batch norm:
//   f = logistic(wf h + uf x), i = logistic(wi h + ui x), g = tanh(wg h + ug x),
//   o = logistic(wo h + uo x); c' = c*f + i*g; h' = tanh(c') * o.
// Everything it does lives here: one character (plain and fused), and
// forward and backward over a training batch. No batch kernels (generate -n).
#pragma once
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../dense/inference.h"
#include "../dense/reference.h"
#include "../dense/train.h"
#include "layer.h"
#include "params.h"

namespace rnnc::layers {

template <int IN, int H, int STEPS, int STREAMS, class Backend = Cpu>
struct Lstm : LstmParams {
  static constexpr int kIn = IN, kOut = H, kSublayers = 8;
  static constexpr bool kHasBatch = false;

  // ---- Parameters: params.h ----
  Lstm(const std::string& name, bool batch_norm) : LstmParams(name, IN, H, batch_norm) {}

  // ---- One character ----
  real h[H] = {}, cell[H] = {};  // the state: h_{t-1}, c_{t-1}
  real y[H] = {};                // the output
  InferenceDense folded_wi, folded_wf, folded_wo, folded_wg;  // batch norm folded in (prepare_step_fused)
  InferenceDense folded_ui, folded_uf, folded_uo, folded_ug;  // gathered ([in][out]) for a one-hot input

  void reset_state() {
    std::fill(std::begin(h), std::end(h), real(0));
    std::fill(std::begin(cell), std::end(cell), real(0));
  }

  // lstm_step, the plain reference: darknet's forward_lstm_layer for one
  // character. Every gate sub-layer a separate connected forward on the raw
  // parameters, then the gate sums, activations and state update as separate
  // passes.
  void step(const real* x) {
    const int n = H;
    std::vector<real> hf(n), hi(n), hg(n), ho(n), xf(n), xi(n), xg(n), xo(n);
    dense_step_reference<Act::Linear>(wf, h, hf.data());
    dense_step_reference<Act::Linear>(wi, h, hi.data());
    dense_step_reference<Act::Linear>(wg, h, hg.data());
    dense_step_reference<Act::Linear>(wo, h, ho.data());
    dense_step_reference<Act::Linear>(uf, x, xf.data());
    dense_step_reference<Act::Linear>(ui, x, xi.data());
    dense_step_reference<Act::Linear>(ug, x, xg.data());
    dense_step_reference<Act::Linear>(uo, x, xo.data());
    std::vector<real> f(hf), i(hi), g(hg), o(ho);
    for (int j = 0; j < n; ++j) f[j] += xf[j];
    for (int j = 0; j < n; ++j) i[j] += xi[j];
    for (int j = 0; j < n; ++j) g[j] += xg[j];
    for (int j = 0; j < n; ++j) o[j] += xo[j];
    activate_array<Act::Logistic>(f.data(), n);
    activate_array<Act::Logistic>(i.data(), n);
    activate_array<Act::Tanh>(g.data(), n);
    activate_array<Act::Logistic>(o.data(), n);
    std::vector<real> temp(i);
    for (int j = 0; j < n; ++j) temp[j] *= g[j];
    for (int j = 0; j < n; ++j) cell[j] *= f[j];
    for (int j = 0; j < n; ++j) cell[j] += temp[j];
    for (int j = 0; j < n; ++j) h[j] = cell[j];
    activate_array<Act::Tanh>(h, n);
    for (int j = 0; j < n; ++j) h[j] *= o[j];
  }

  // lstm_step.fused: all gate sums, the gate activations and the state update
  // in one pass over the outputs; the input projection of a one-hot character
  // is a gathered row.
  void prepare_step_fused(bool gather) {
    folded_wi = prepare_dense(wi);
    folded_wf = prepare_dense(wf);
    folded_wo = prepare_dense(wo);
    folded_wg = prepare_dense(wg);
    folded_ui = gather ? prepare_gather(ui) : prepare_dense(ui);
    folded_uf = gather ? prepare_gather(uf) : prepare_dense(uf);
    folded_uo = gather ? prepare_gather(uo) : prepare_dense(uo);
    folded_ug = gather ? prepare_gather(ug) : prepare_dense(ug);
  }
  void step_fused(const real* x) { fused<false>(x, 0, h, cell); }
  void step_fused(int c) { fused<true>(nullptr, c, h, cell); }

  // copy: the output is the new h.
  void copy() { std::copy(std::begin(h), std::end(h), y); }

  // ---- Training over STEPS x STREAMS characters (rows time-major: row = t * streams + stream) ----
  // Every gate is a linear connected sub-layer with batch norm per time step
  // (group = streams). The input (u*) sub-layers run over all time steps as
  // one product each; the recurrent (w*) ones step through time. The state
  // starts at zero in every batch. Backward is the exact gradient.
  struct Train {
    static constexpr int steps = STEPS, streams = STREAMS, hidden = H, rows = STEPS * STREAMS;
    enum { I, F, O, G };  // gate order, as the file's wi wf wo wg
    train::DenseCache w_cache[4], u_cache[4];
    train::DenseScratch w_scratch[4], u_scratch[4];
    std::vector<real> h, c;     // (steps + 1) x streams x hidden; slot 0 is the zero initial state
    std::vector<real> gate[4];  // activated gates, rows x hidden
    std::vector<real> tc;       // tanh(c_t), rows x hidden
    std::vector<real> delta;    // -dL/dh_t for every step, filled by the next layer
    std::vector<real> dz[4], wd[4], dh, dc, dprev;
    explicit Train(bool bn)
        : h(size_t(steps + 1) * streams * H), c(h.size()), tc(size_t(steps) * streams * H), delta(tc.size()) {
      for (int k = 0; k < 4; ++k) {
        w_cache[k] = train::DenseCache(rows, streams, H, bn);
        u_cache[k] = train::DenseCache(rows, streams, H, bn);
        gate[k].resize(tc.size());
      }
    }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(wi.batch_norm)); }
  const real* train_output() const { return t->h.data() + size_t(Train::streams) * H; }
  real* delta() { return t->delta.data(); }
  void clear_delta() { std::fill(t->delta.begin(), t->delta.end(), real(0)); }

  void forward(const real* x) {
    DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    refresh();
    for (int k = 0; k < 4; ++k)
      train::dense_train_forward<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, x);
    forward_recurrent();
  }
  void forward(const Symbol* chars) {
    DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    refresh();
    for (int k = 0; k < 4; ++k)
      train::dense_train_forward_onehot<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, chars);
    forward_recurrent();
  }
  void backward(const real* x, real* dx) {
    DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    backward_recurrent();
    for (int k = 0; k < 4; ++k)
      train::dense_train_backward<Act::Linear>(*u[k], t->u_scratch[k], t->u_cache[k], 0, Train::rows, t->dz[k].data(), x, dx);
  }
  void backward(const Symbol* chars) {
    DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    backward_recurrent();
    for (int k = 0; k < 4; ++k)
      train::dense_train_backward_onehot<Act::Linear>(*u[k], t->u_cache[k], 0, Train::rows, t->dz[k].data(), chars);
  }

 private:
  // Each gate sum is (recurrent product + its bias) + (input projection + its
  // bias), as darknet adds the two sub-layers' outputs. h and cell come in as
  // restrict pointers (the layer's own state), as the free kernel took them.
  template <bool ONEHOT>
  void fused(const real* x, int c, real* __restrict h, real* __restrict cell) {
    real next[H];
    parallel_for(
        H, [&](int j0, int j1) {
          real ri[H], rf[H], ro[H], rg[H], xi[H], xf[H], xo[H], xg[H];
          rows_dot<H>(folded_wi, j0, j1, h, ri);
          rows_dot<H>(folded_wf, j0, j1, h, rf);
          rows_dot<H>(folded_wo, j0, j1, h, ro);
          rows_dot<H>(folded_wg, j0, j1, h, rg);
          dense_rows<IN, H, ONEHOT>(folded_ui, x, c, j0, j1, xi);
          dense_rows<IN, H, ONEHOT>(folded_uf, x, c, j0, j1, xf);
          dense_rows<IN, H, ONEHOT>(folded_uo, x, c, j0, j1, xo);
          dense_rows<IN, H, ONEHOT>(folded_ug, x, c, j0, j1, xg);
          for (int j = j0; j < j1; ++j) {
            const int k = j - j0;
            real f = activate<Act::Logistic>(real(rf[k] + folded_wf.b[j]) + real(xf[k] + folded_uf.b[j]));
            real i = activate<Act::Logistic>(real(ri[k] + folded_wi.b[j]) + real(xi[k] + folded_ui.b[j]));
            real g = activate<Act::Tanh>(real(rg[k] + folded_wg.b[j]) + real(xg[k] + folded_ug.b[j]));
            real o = activate<Act::Logistic>(real(ro[k] + folded_wo.b[j]) + real(xo[k] + folded_uo.b[j]));
            real cj = cell[j] * f;
            cj += i * g;
            cell[j] = cj;
            next[j] = activate<Act::Tanh>(cj) * o;
          }
        },
        kRowsPerThread(ONEHOT ? 4 * H : 4 * (IN + H)));
    std::memcpy(h, next, sizeof next);
  }

  void refresh() {
    DenseParams* w[4] = {&wi, &wf, &wo, &wg};
    DenseParams* u[4] = {&ui, &uf, &uo, &ug};
    for (int k = 0; k < 4; ++k) {
      t->w_scratch[k].refresh(*w[k]);
      t->u_scratch[k].refresh(*u[k]);
    }
  }

  // Through time: the recurrent sub-layers' products of h_{t-1}, added to the
  // input sub-layers' outputs (already computed for all steps), then the gates
  // and the new state.
  void forward_recurrent() {
    Train& L = *t;
    DenseParams* w[4] = {&wi, &wf, &wo, &wg};
    const size_t step = size_t(Train::streams) * H;
    std::fill(L.h.begin(), L.h.begin() + step, real(0));
    std::fill(L.c.begin(), L.c.begin() + step, real(0));
    for (int t = 0; t < Train::steps; ++t) {
      const int r0 = t * Train::streams, r1 = r0 + Train::streams;
      for (int k = 0; k < 4; ++k)
        train::dense_train_forward<Act::Linear>(*w[k], L.w_scratch[k], L.w_cache[k], r0, r1, &L.h[t * step]);
      const size_t o = t * step;
      for (size_t e = 0; e < step; ++e) {
        real f = activate<Act::Logistic>(L.w_cache[Train::F].y[o + e] + L.u_cache[Train::F].y[o + e]);
        real i = activate<Act::Logistic>(L.w_cache[Train::I].y[o + e] + L.u_cache[Train::I].y[o + e]);
        real g = activate<Act::Tanh>(L.w_cache[Train::G].y[o + e] + L.u_cache[Train::G].y[o + e]);
        real og = activate<Act::Logistic>(L.w_cache[Train::O].y[o + e] + L.u_cache[Train::O].y[o + e]);
        L.gate[Train::F][o + e] = f;
        L.gate[Train::I][o + e] = i;
        L.gate[Train::G][o + e] = g;
        L.gate[Train::O][o + e] = og;
        real cn = L.c[o + e] * f + i * g;
        L.c[o + step + e] = cn;
        real th = activate<Act::Tanh>(cn);
        L.tc[o + e] = th;
        L.h[o + step + e] = og * th;
      }
    }
  }

  // Back through time; leaves -dL/d(gate pre-activation) of every row in
  // L.dz, the input sub-layers' deltas.
  void backward_recurrent() {
    Train& L = *t;
    DenseParams* w[4] = {&wi, &wf, &wo, &wg};
    const size_t step = size_t(Train::streams) * H, n = size_t(Train::rows) * H;
    for (int k = 0; k < 4; ++k) {
      L.dz[k].resize(n);
      L.wd[k].resize(n);
    }
    L.dh.assign(step, real(0));  // -dL/dh_t from step t+1
    L.dc.assign(step, real(0));  // -dL/dc_t from step t+1
    for (int t = Train::steps - 1; t >= 0; --t) {
      const size_t o = t * step;
      for (size_t e = 0; e < step; ++e) {
        real dh = L.delta[o + e] + L.dh[e];
        real th = L.tc[o + e];
        real f = L.gate[Train::F][o + e], i = L.gate[Train::I][o + e];
        real g = L.gate[Train::G][o + e], og = L.gate[Train::O][o + e];
        real dc = L.dc[e] + dh * og * (1 - th * th);
        L.dz[Train::O][o + e] = dh * th * og * (1 - og);
        L.dz[Train::I][o + e] = dc * g * i * (1 - i);
        L.dz[Train::G][o + e] = dc * i * (1 - g * g);
        L.dz[Train::F][o + e] = dc * L.c[o + e] * f * (1 - f);
        L.dc[e] = dc * f;
      }
      L.dprev.assign(step, real(0));
      for (int k = 0; k < 4; ++k) {
        real* wd = &L.wd[k][o];
        std::copy(&L.dz[k][o], &L.dz[k][o] + step, wd);
        train::dense_train_backward_pointwise<Act::Linear>(*w[k], L.w_cache[k], t * Train::streams,
                                                           (t + 1) * Train::streams, wd);
        if (t > 0) train::input_gradient_product(*w[k], L.w_scratch[k], Train::streams, wd, L.dprev.data(), true);
      }
      L.dh.swap(L.dprev);
    }
    // The recurrent weights' updates for all steps at once: dW += dZ^T [h_{-1} .. h_{T-2}].
    for (int k = 0; k < 4; ++k) train::weight_gradient_product(*w[k], Train::rows, L.wd[k].data(), L.h.data());
  }
};

}  // namespace rnnc::layers
