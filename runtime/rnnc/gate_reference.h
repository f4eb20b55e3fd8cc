// Plain [lstm] and [gru] steps in darknet's own order of operations: every
// gate sub-layer a separate connected forward (product, rolling-statistics
// batch norm, bias, linear activation), then the gate sums, activations and
// state update as separate passes. rnnc --no-fuse emits programs on these;
// the fused twins are in gate_kernels.h.
#pragma once
#include <vector>

#include "activations.h"
#include "params.h"
#include "reference_kernels.h"

namespace rnnc::reference {

// darknet's forward_lstm_layer for one character; h and cell are the state.
inline void lstm_step(const DenseParams& wi, const DenseParams& wf, const DenseParams& wo, const DenseParams& wg,
                      const DenseParams& ui, const DenseParams& uf, const DenseParams& uo, const DenseParams& ug,
                      const real* x, real* h, real* cell) {
  const int n = wi.out;
  std::vector<real> hf(n), hi(n), hg(n), ho(n), xf(n), xi(n), xg(n), xo(n);
  dense_forward<Act::Linear>(wf, h, hf.data());
  dense_forward<Act::Linear>(wi, h, hi.data());
  dense_forward<Act::Linear>(wg, h, hg.data());
  dense_forward<Act::Linear>(wo, h, ho.data());
  dense_forward<Act::Linear>(uf, x, xf.data());
  dense_forward<Act::Linear>(ui, x, xi.data());
  dense_forward<Act::Linear>(ug, x, xg.data());
  dense_forward<Act::Linear>(uo, x, xo.data());
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

// darknet's forward_gru_layer for one character; h is the state. tanh picks
// the candidate's activation (tanh, else logistic).
inline void gru_step(const DenseParams& wz, const DenseParams& wr, const DenseParams& wh, const DenseParams& uz,
                     const DenseParams& ur, const DenseParams& uh, const real* x, bool tanh, real* h) {
  const int n = wz.out;
  std::vector<real> hz(n), hr(n), xz(n), xr(n), xh(n), hh(n);
  dense_forward<Act::Linear>(wz, h, hz.data());
  dense_forward<Act::Linear>(wr, h, hr.data());
  dense_forward<Act::Linear>(uz, x, xz.data());
  dense_forward<Act::Linear>(ur, x, xr.data());
  dense_forward<Act::Linear>(uh, x, xh.data());
  std::vector<real> z(xz), r(xr);
  for (int j = 0; j < n; ++j) z[j] += hz[j];
  for (int j = 0; j < n; ++j) r[j] += hr[j];
  activate_array<Act::Logistic>(z.data(), n);
  activate_array<Act::Logistic>(r.data(), n);
  std::vector<real> forgot(h, h + n);
  for (int j = 0; j < n; ++j) forgot[j] *= r[j];
  dense_forward<Act::Linear>(wh, forgot.data(), hh.data());
  std::vector<real> cand(xh);
  for (int j = 0; j < n; ++j) cand[j] += hh[j];
  if (tanh)
    activate_array<Act::Tanh>(cand.data(), n);
  else
    activate_array<Act::Logistic>(cand.data(), n);
  for (int j = 0; j < n; ++j) h[j] = z[j] * h[j] + (1 - z[j]) * cand[j];
}

}  // namespace rnnc::reference
