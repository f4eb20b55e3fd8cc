// Plain, unfused kernels in darknet's own order of operations: a product,
// then batch norm with rolling statistics, then bias, then activation, each a
// separate pass. rnnc --no-fuse emits programs built on these; the tests
// compare them with the fused kernels.
#pragma once
#include <cmath>
#include <vector>

#include "activations.h"
#include "params.h"

namespace rnnc::reference {

// y = act(BN(W x) + b), darknet's forward_connected_layer at inference.
template <Act A>
inline void dense_forward(const DenseParams& p, const real* x, real* y) {
  for (int j = 0; j < p.out; ++j) {
    real s = 0;
    for (int k = 0; k < p.in; ++k) s += x[k] * p.weights[static_cast<size_t>(j) * p.in + k];
    y[j] = s;
  }
  if (p.batch_norm) {
    for (int j = 0; j < p.out; ++j) y[j] = (y[j] - p.rolling_mean[j]) / (std::sqrt(static_cast<double>(p.rolling_variance[j])) + .000001f);
    for (int j = 0; j < p.out; ++j) y[j] *= p.scales[j];
  }
  for (int j = 0; j < p.out; ++j) y[j] += p.biases[j];
  for (int j = 0; j < p.out; ++j) y[j] = activate<A>(y[j]);
}

// h' = act(input(x)) + act(self(h)) (+ h), as three separate passes.
template <Act A>
inline void rnn_step(const DenseParams& input, const DenseParams& self, const real* x, bool shortcut, real* h) {
  std::vector<real> a(input.out), s(self.out);
  dense_forward<A>(input, x, a.data());
  dense_forward<A>(self, h, s.data());
  for (int j = 0; j < input.out; ++j) {
    real v = shortcut ? h[j] : real(0);
    v += a[j];
    v += s[j];
    h[j] = v;
  }
}

}  // namespace rnnc::reference
