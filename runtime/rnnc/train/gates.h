// Training for the gated recurrent layers, [lstm] and [gru], over a batch of
// `streams` streams of `steps` characters (rows time-major: row = t * streams
// + stream). Every gate is a linear connected sub-layer with batch norm per
// time step (group = streams). The input (u*) sub-layers run over all time
// steps as one product each; the recurrent (w*) ones step through time. The
// state starts at zero in every batch. Backward is the exact gradient.
//
// Deltas follow darknet's sign: -dLoss/d(value). Sub-layers are passed in
// the weights file's order: LSTM wi wf wo wg ui uf uo ug, GRU wz wr wh uz ur uh.
#pragma once
#include <algorithm>
#include <vector>

#include "dense.h"

namespace rnnc::train {

namespace detail {
inline void add_into(real* dst, const real* a, const real* b, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = a[i] + b[i];
}
}  // namespace detail

// ---- [lstm]: f,i,o = logistic, g = tanh of (w* h_{t-1} + u* x_t); c_t = f c_{t-1} + i g; h_t = o tanh(c_t) ----
struct LstmTrain {
  enum { I, F, O, G };  // gate order, as the file's wi wf wo wg
  int steps, streams, hidden;
  DenseCache w_cache[4], u_cache[4];
  DenseScratch w_scratch[4], u_scratch[4];
  std::vector<real> h, c;        // (steps + 1) x streams x hidden; slot 0 is the zero initial state
  std::vector<real> gate[4];     // activated gates, rows x hidden
  std::vector<real> tc;          // tanh(c_t), rows x hidden
  std::vector<real> delta;       // -dL/dh_t for every step, filled by the next layer
  std::vector<real> dz[4], wd[4], z, dh, dc, dprev;
  LstmTrain(const DenseParams& wi, int steps_, int streams_)
      : steps(steps_), streams(streams_), hidden(wi.out),
        h(size_t(steps_ + 1) * streams_ * wi.out), c(h.size()), tc(size_t(steps_) * streams_ * wi.out),
        delta(tc.size()) {
    for (int k = 0; k < 4; ++k) {
      w_cache[k] = DenseCache(rows(), streams_, hidden, wi.batch_norm);
      u_cache[k] = DenseCache(rows(), streams_, hidden, wi.batch_norm);
      gate[k].resize(tc.size());
    }
  }
  int rows() const { return steps * streams; }
  const real* output() const { return h.data() + size_t(streams) * hidden; }
};

inline void lstm_forward_recurrent(DenseParams* w[4], LstmTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden;
  std::fill(L.h.begin(), L.h.begin() + step, real(0));
  std::fill(L.c.begin(), L.c.begin() + step, real(0));
  for (int t = 0; t < L.steps; ++t) {
    const int r0 = t * L.streams, r1 = r0 + L.streams;
    for (int k = 0; k < 4; ++k) dense_forward<Act::Linear>(*w[k], L.w_scratch[k], L.w_cache[k], r0, r1, &L.h[t * step], L.z);
    const size_t o = t * step;
    for (size_t e = 0; e < step; ++e) {
      real f = activate<Act::Logistic>(L.w_cache[LstmTrain::F].y[o + e] + L.u_cache[LstmTrain::F].y[o + e]);
      real i = activate<Act::Logistic>(L.w_cache[LstmTrain::I].y[o + e] + L.u_cache[LstmTrain::I].y[o + e]);
      real g = activate<Act::Tanh>(L.w_cache[LstmTrain::G].y[o + e] + L.u_cache[LstmTrain::G].y[o + e]);
      real og = activate<Act::Logistic>(L.w_cache[LstmTrain::O].y[o + e] + L.u_cache[LstmTrain::O].y[o + e]);
      L.gate[LstmTrain::F][o + e] = f;
      L.gate[LstmTrain::I][o + e] = i;
      L.gate[LstmTrain::G][o + e] = g;
      L.gate[LstmTrain::O][o + e] = og;
      real cn = L.c[o + e] * f + i * g;
      L.c[o + step + e] = cn;
      real th = activate<Act::Tanh>(cn);
      L.tc[o + e] = th;
      L.h[o + step + e] = og * th;
    }
  }
}

inline void lstm_refresh(DenseParams* w[4], DenseParams* u[4], LstmTrain& L) {
  for (int k = 0; k < 4; ++k) {
    L.w_scratch[k].refresh(*w[k]);
    L.u_scratch[k].refresh(*u[k]);
  }
}

inline void lstm_forward(DenseParams& wi, DenseParams& wf, DenseParams& wo, DenseParams& wg, DenseParams& ui,
                         DenseParams& uf, DenseParams& uo, DenseParams& ug, LstmTrain& L, const real* x) {
  DenseParams* w[4] = {&wi, &wf, &wo, &wg};
  DenseParams* u[4] = {&ui, &uf, &uo, &ug};
  lstm_refresh(w, u, L);
  for (int k = 0; k < 4; ++k) dense_forward<Act::Linear>(*u[k], L.u_scratch[k], L.u_cache[k], 0, L.rows(), x, L.z);
  lstm_forward_recurrent(w, L);
}

inline void lstm_forward_onehot(DenseParams& wi, DenseParams& wf, DenseParams& wo, DenseParams& wg, DenseParams& ui,
                                DenseParams& uf, DenseParams& uo, DenseParams& ug, LstmTrain& L,
                                const unsigned char* chars) {
  DenseParams* w[4] = {&wi, &wf, &wo, &wg};
  DenseParams* u[4] = {&ui, &uf, &uo, &ug};
  lstm_refresh(w, u, L);
  for (int k = 0; k < 4; ++k)
    dense_forward_onehot<Act::Linear>(*u[k], L.u_scratch[k], L.u_cache[k], 0, L.rows(), chars, L.z);
  lstm_forward_recurrent(w, L);
}

// Back through time; leaves -dL/d(gate pre-activation) of every row in L.dz,
// the input sub-layers' deltas.
inline void lstm_backward_recurrent(DenseParams* w[4], LstmTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden, n = size_t(L.rows()) * L.hidden;
  for (int k = 0; k < 4; ++k) {
    L.dz[k].resize(n);
    L.wd[k].resize(n);
  }
  L.dh.assign(step, real(0));  // -dL/dh_t from step t+1
  L.dc.assign(step, real(0));  // -dL/dc_t from step t+1
  for (int t = L.steps - 1; t >= 0; --t) {
    const size_t o = t * step;
    for (size_t e = 0; e < step; ++e) {
      real dh = L.delta[o + e] + L.dh[e];
      real th = L.tc[o + e];
      real f = L.gate[LstmTrain::F][o + e], i = L.gate[LstmTrain::I][o + e];
      real g = L.gate[LstmTrain::G][o + e], og = L.gate[LstmTrain::O][o + e];
      real dc = L.dc[e] + dh * og * (1 - th * th);
      L.dz[LstmTrain::O][o + e] = dh * th * og * (1 - og);
      L.dz[LstmTrain::I][o + e] = dc * g * i * (1 - i);
      L.dz[LstmTrain::G][o + e] = dc * i * (1 - g * g);
      L.dz[LstmTrain::F][o + e] = dc * L.c[o + e] * f * (1 - f);
      L.dc[e] = dc * f;
    }
    L.dprev.assign(step, real(0));
    for (int k = 0; k < 4; ++k) {
      real* wd = &L.wd[k][o];
      std::copy(&L.dz[k][o], &L.dz[k][o] + step, wd);
      dense_backward_pointwise<Act::Linear>(*w[k], L.w_cache[k], t * L.streams, (t + 1) * L.streams, wd);
      if (t > 0) gemm_nn(L.streams, L.hidden, L.hidden, wd, w[k]->weights.data(), L.dprev.data(), true);
    }
    L.dh.swap(L.dprev);
  }
  // The recurrent weights' updates for all steps at once: dW += dZ^T [h_{-1} .. h_{T-2}].
  for (int k = 0; k < 4; ++k) gemm_tn_acc(L.hidden, L.hidden, L.rows(), L.wd[k].data(), L.h.data(), w[k]->weight_updates.data());
}

inline void lstm_backward(DenseParams& wi, DenseParams& wf, DenseParams& wo, DenseParams& wg, DenseParams& ui,
                          DenseParams& uf, DenseParams& uo, DenseParams& ug, LstmTrain& L, const real* x, real* dx) {
  DenseParams* w[4] = {&wi, &wf, &wo, &wg};
  DenseParams* u[4] = {&ui, &uf, &uo, &ug};
  lstm_backward_recurrent(w, L);
  for (int k = 0; k < 4; ++k) dense_backward<Act::Linear>(*u[k], L.u_cache[k], 0, L.rows(), L.dz[k].data(), x, dx);
}

inline void lstm_backward_onehot(DenseParams& wi, DenseParams& wf, DenseParams& wo, DenseParams& wg, DenseParams& ui,
                                 DenseParams& uf, DenseParams& uo, DenseParams& ug, LstmTrain& L,
                                 const unsigned char* chars) {
  DenseParams* w[4] = {&wi, &wf, &wo, &wg};
  DenseParams* u[4] = {&ui, &uf, &uo, &ug};
  lstm_backward_recurrent(w, L);
  for (int k = 0; k < 4; ++k) dense_backward_onehot<Act::Linear>(*u[k], L.u_cache[k], 0, L.rows(), L.dz[k].data(), chars);
}

// ---- [gru]: z, r = logistic(u* x_t + w* h_{t-1}); hh = act(uh x_t + wh (r h_{t-1}));
//      h_t = z h_{t-1} + (1 - z) hh, act = tanh (tanh=1) or logistic ----
struct GruTrain {
  enum { Z, R, H };  // gate order, as the file's wz wr wh
  int steps, streams, hidden;
  DenseCache w_cache[3], u_cache[3];
  DenseScratch w_scratch[3], u_scratch[3];
  std::vector<real> h;           // (steps + 1) x streams x hidden; slot 0 is the zero initial state
  std::vector<real> zg, rg, hh;  // activated gates and candidate, rows x hidden
  std::vector<real> forgot;      // r * h_{t-1}, rows x hidden: wh's input
  std::vector<real> delta;       // -dL/dh_t for every step, filled by the next layer
  std::vector<real> dz[3], wd[3], z, dh, dprev, dforgot;
  GruTrain(const DenseParams& wz, int steps_, int streams_)
      : steps(steps_), streams(streams_), hidden(wz.out), h(size_t(steps_ + 1) * streams_ * wz.out),
        zg(size_t(steps_) * streams_ * wz.out), rg(zg.size()), hh(zg.size()), forgot(zg.size()), delta(zg.size()) {
    for (int k = 0; k < 3; ++k) {
      w_cache[k] = DenseCache(rows(), streams_, hidden, wz.batch_norm);
      u_cache[k] = DenseCache(rows(), streams_, hidden, wz.batch_norm);
    }
  }
  int rows() const { return steps * streams; }
  const real* output() const { return h.data() + size_t(streams) * hidden; }
};

template <bool TANH>
inline void gru_forward_recurrent(DenseParams* w[3], GruTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden;
  std::fill(L.h.begin(), L.h.begin() + step, real(0));
  for (int t = 0; t < L.steps; ++t) {
    const int r0 = t * L.streams, r1 = r0 + L.streams;
    const size_t o = t * step;
    const real* prev = &L.h[o];
    dense_forward<Act::Linear>(*w[GruTrain::Z], L.w_scratch[GruTrain::Z], L.w_cache[GruTrain::Z], r0, r1, prev, L.z);
    dense_forward<Act::Linear>(*w[GruTrain::R], L.w_scratch[GruTrain::R], L.w_cache[GruTrain::R], r0, r1, prev, L.z);
    for (size_t e = 0; e < step; ++e) {
      L.zg[o + e] = activate<Act::Logistic>(L.u_cache[GruTrain::Z].y[o + e] + L.w_cache[GruTrain::Z].y[o + e]);
      L.rg[o + e] = activate<Act::Logistic>(L.u_cache[GruTrain::R].y[o + e] + L.w_cache[GruTrain::R].y[o + e]);
      L.forgot[o + e] = prev[e] * L.rg[o + e];
    }
    dense_forward<Act::Linear>(*w[GruTrain::H], L.w_scratch[GruTrain::H], L.w_cache[GruTrain::H], r0, r1, &L.forgot[o],
                               L.z);
    real* next = &L.h[o + step];
    for (size_t e = 0; e < step; ++e) {
      real s = L.u_cache[GruTrain::H].y[o + e] + L.w_cache[GruTrain::H].y[o + e];
      real c = TANH ? activate<Act::Tanh>(s) : activate<Act::Logistic>(s);
      L.hh[o + e] = c;
      real zz = L.zg[o + e];
      next[e] = zz * prev[e] + (1 - zz) * c;
    }
  }
}

inline void gru_refresh(DenseParams* w[3], DenseParams* u[3], GruTrain& L) {
  for (int k = 0; k < 3; ++k) {
    L.w_scratch[k].refresh(*w[k]);
    L.u_scratch[k].refresh(*u[k]);
  }
}

template <bool TANH>
inline void gru_forward(DenseParams& wz, DenseParams& wr, DenseParams& wh, DenseParams& uz, DenseParams& ur,
                        DenseParams& uh, GruTrain& L, const real* x) {
  DenseParams* w[3] = {&wz, &wr, &wh};
  DenseParams* u[3] = {&uz, &ur, &uh};
  gru_refresh(w, u, L);
  for (int k = 0; k < 3; ++k) dense_forward<Act::Linear>(*u[k], L.u_scratch[k], L.u_cache[k], 0, L.rows(), x, L.z);
  gru_forward_recurrent<TANH>(w, L);
}

template <bool TANH>
inline void gru_forward_onehot(DenseParams& wz, DenseParams& wr, DenseParams& wh, DenseParams& uz, DenseParams& ur,
                               DenseParams& uh, GruTrain& L, const unsigned char* chars) {
  DenseParams* w[3] = {&wz, &wr, &wh};
  DenseParams* u[3] = {&uz, &ur, &uh};
  gru_refresh(w, u, L);
  for (int k = 0; k < 3; ++k)
    dense_forward_onehot<Act::Linear>(*u[k], L.u_scratch[k], L.u_cache[k], 0, L.rows(), chars, L.z);
  gru_forward_recurrent<TANH>(w, L);
}

// Back through time; leaves -dL/d(pre-activation) of z, r and the candidate for
// every row in L.dz, the input sub-layers' deltas.
template <bool TANH>
inline void gru_backward_recurrent(DenseParams* w[3], GruTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden, n = size_t(L.rows()) * L.hidden;
  for (int k = 0; k < 3; ++k) {
    L.dz[k].resize(n);
    L.wd[k].resize(n);
  }
  L.dh.assign(step, real(0));
  for (int t = L.steps - 1; t >= 0; --t) {
    const size_t o = t * step;
    const int r0 = t * L.streams, r1 = r0 + L.streams;
    const real* prev = &L.h[o];
    L.dprev.resize(step);
    for (size_t e = 0; e < step; ++e) {
      real dh = L.delta[o + e] + L.dh[e];
      real zz = L.zg[o + e], c = L.hh[o + e];
      L.dz[GruTrain::Z][o + e] = dh * (prev[e] - c) * zz * (1 - zz);
      L.dz[GruTrain::H][o + e] = dh * (1 - zz) * (TANH ? 1 - c * c : c * (1 - c));
      L.dprev[e] = dh * zz;
    }
    // The candidate's recurrent sub-layer reads r * h_{t-1}.
    real* wdh = &L.wd[GruTrain::H][o];
    std::copy(&L.dz[GruTrain::H][o], &L.dz[GruTrain::H][o] + step, wdh);
    dense_backward_pointwise<Act::Linear>(*w[GruTrain::H], L.w_cache[GruTrain::H], r0, r1, wdh);
    L.dforgot.assign(step, real(0));
    gemm_nn(L.streams, L.hidden, L.hidden, wdh, w[GruTrain::H]->weights.data(), L.dforgot.data(), false);
    for (size_t e = 0; e < step; ++e) {
      real r = L.rg[o + e];
      L.dz[GruTrain::R][o + e] = L.dforgot[e] * prev[e] * r * (1 - r);
      L.dprev[e] += L.dforgot[e] * r;
    }
    for (int k : {GruTrain::Z, GruTrain::R}) {
      real* wd = &L.wd[k][o];
      std::copy(&L.dz[k][o], &L.dz[k][o] + step, wd);
      dense_backward_pointwise<Act::Linear>(*w[k], L.w_cache[k], r0, r1, wd);
      if (t > 0) gemm_nn(L.streams, L.hidden, L.hidden, wd, w[k]->weights.data(), L.dprev.data(), true);
    }
    L.dh.swap(L.dprev);
  }
  gemm_tn_acc(L.hidden, L.hidden, L.rows(), L.wd[GruTrain::Z].data(), L.h.data(), w[GruTrain::Z]->weight_updates.data());
  gemm_tn_acc(L.hidden, L.hidden, L.rows(), L.wd[GruTrain::R].data(), L.h.data(), w[GruTrain::R]->weight_updates.data());
  gemm_tn_acc(L.hidden, L.hidden, L.rows(), L.wd[GruTrain::H].data(), L.forgot.data(),
              w[GruTrain::H]->weight_updates.data());
}

template <bool TANH>
inline void gru_backward(DenseParams& wz, DenseParams& wr, DenseParams& wh, DenseParams& uz, DenseParams& ur,
                         DenseParams& uh, GruTrain& L, const real* x, real* dx) {
  DenseParams* w[3] = {&wz, &wr, &wh};
  DenseParams* u[3] = {&uz, &ur, &uh};
  gru_backward_recurrent<TANH>(w, L);
  for (int k = 0; k < 3; ++k) dense_backward<Act::Linear>(*u[k], L.u_cache[k], 0, L.rows(), L.dz[k].data(), x, dx);
}

template <bool TANH>
inline void gru_backward_onehot(DenseParams& wz, DenseParams& wr, DenseParams& wh, DenseParams& uz, DenseParams& ur,
                                DenseParams& uh, GruTrain& L, const unsigned char* chars) {
  DenseParams* w[3] = {&wz, &wr, &wh};
  DenseParams* u[3] = {&uz, &ur, &uh};
  gru_backward_recurrent<TANH>(w, L);
  for (int k = 0; k < 3; ++k) dense_backward_onehot<Act::Linear>(*u[k], L.u_cache[k], 0, L.rows(), L.dz[k].data(), chars);
}

}  // namespace rnnc::train
