// A dense sub-layer at inference, plain, in darknet's own order of
// operations: a product, then batch norm with rolling statistics, then bias,
// then activation, each a separate pass, on the raw parameters. The layer
// kinds' reference steps (rnnc --no-fuse) are built on it; the tests hold the
// fast kernels against it.
#pragma once
#include <cmath>
#include <vector>

#include "../activations.h"
#include "../params.h"

namespace rnnc {

// y = act(BN(W x) + b), darknet's forward_connected_layer at inference.
template <Act A>
inline void dense_step_reference(const DenseParams& p, const real* x, real* y) {
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

}  // namespace rnnc
