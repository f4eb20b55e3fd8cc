// Fused inference steps for the gated recurrent layers, [lstm] and [gru], at
// batch 1. Every gate is a linear connected sub-layer (batch norm folded in
// by prepare_dense / prepare_gather); one kernel computes all gate sums, the
// gate activations and the state update in one pass over the outputs (the
// GRU needs two: its candidate reads r * h of every output). The input
// projection of a one-hot character is a gathered row. Plain twins in
// darknet's order of operations: gate_reference.h.
#pragma once
#include <cstring>

#include "activations.h"
#include "inference_kernels.h"

namespace rnnc {

namespace detail {
// The input sub-layer's projection for outputs j0..j1: a gathered row for a
// one-hot character c, else a product with x. Writes out[j - j0] (bias excluded).
template <int IN, int H, bool ONEHOT>
inline void input_rows(const InferenceDense& u, const real* x, int c, int j0, int j1, real* out) {
  if constexpr (ONEHOT) {
    for (int j = j0; j < j1; ++j) out[j - j0] = gathered(u, c, H, j);
  } else {
    rows_dot<IN>(u, j0, j1, x, out);
  }
}
}  // namespace detail

// One [lstm] step (darknet's forward_lstm_layer for one character):
//   f = logistic(wf h + uf x), i = logistic(wi h + ui x), g = tanh(wg h + ug x),
//   o = logistic(wo h + uo x); c' = c*f + i*g; h' = tanh(c') * o.
// Each gate sum is (recurrent product + its bias) + (input projection + its bias),
// as darknet adds the two sub-layers' outputs.
template <int IN, int H, bool ONEHOT>
inline void lstm_step(const InferenceDense& wi, const InferenceDense& wf, const InferenceDense& wo,
                      const InferenceDense& wg, const InferenceDense& ui, const InferenceDense& uf,
                      const InferenceDense& uo, const InferenceDense& ug, const real* x, int c, real* __restrict h,
                      real* __restrict cell) {
  real next[H];
  parallel_for(
      H, [&](int j0, int j1) {
        real ri[H], rf[H], ro[H], rg[H], xi[H], xf[H], xo[H], xg[H];
        rows_dot<H>(wi, j0, j1, h, ri);
        rows_dot<H>(wf, j0, j1, h, rf);
        rows_dot<H>(wo, j0, j1, h, ro);
        rows_dot<H>(wg, j0, j1, h, rg);
        detail::input_rows<IN, H, ONEHOT>(ui, x, c, j0, j1, xi);
        detail::input_rows<IN, H, ONEHOT>(uf, x, c, j0, j1, xf);
        detail::input_rows<IN, H, ONEHOT>(uo, x, c, j0, j1, xo);
        detail::input_rows<IN, H, ONEHOT>(ug, x, c, j0, j1, xg);
        for (int j = j0; j < j1; ++j) {
          const int k = j - j0;
          real f = activate<Act::Logistic>(real(rf[k] + wf.b[j]) + real(xf[k] + uf.b[j]));
          real i = activate<Act::Logistic>(real(ri[k] + wi.b[j]) + real(xi[k] + ui.b[j]));
          real g = activate<Act::Tanh>(real(rg[k] + wg.b[j]) + real(xg[k] + ug.b[j]));
          real o = activate<Act::Logistic>(real(ro[k] + wo.b[j]) + real(xo[k] + uo.b[j]));
          real cj = cell[j] * f;
          cj += i * g;
          cell[j] = cj;
          next[j] = activate<Act::Tanh>(cj) * o;
        }
      },
      kRowsPerThread(ONEHOT ? 4 * H : 4 * (IN + H)));
  std::memcpy(h, next, sizeof next);
}

// One [gru] step (darknet's forward_gru_layer for one character):
//   z = logistic(uz x + wz h), r = logistic(ur x + wr h),
//   hh = act(uh x + wh (r*h)) with act tanh (tanh=1) or logistic,
//   h' = z*h + (1-z)*hh.
// Two passes over the outputs: the first makes z and r*h, the second the
// candidate (whose product reads r*h of every output) and the new state.
template <int IN, int H, bool ONEHOT, bool TANH>
inline void gru_step(const InferenceDense& wz, const InferenceDense& wr, const InferenceDense& wh,
                     const InferenceDense& uz, const InferenceDense& ur, const InferenceDense& uh, const real* x, int c,
                     real* __restrict h) {
  real z[H], forgot[H], next[H];
  parallel_for(
      H, [&](int j0, int j1) {
        real rz[H], rr[H], xz[H], xr[H];
        rows_dot<H>(wz, j0, j1, h, rz);
        rows_dot<H>(wr, j0, j1, h, rr);
        detail::input_rows<IN, H, ONEHOT>(uz, x, c, j0, j1, xz);
        detail::input_rows<IN, H, ONEHOT>(ur, x, c, j0, j1, xr);
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
        detail::input_rows<IN, H, ONEHOT>(uh, x, c, j0, j1, xh);
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

}  // namespace rnnc
