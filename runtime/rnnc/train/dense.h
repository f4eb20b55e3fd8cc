// One darknet connected sub-layer in training: R rows at a time, batch norm
// over groups of G consecutive rows (G = streams for the sub-layers of a
// recurrent layer, whose statistics darknet takes per time step; G = R for a
// [connected] layer). darknet's forward; the exact gradient of that forward
// (darknet's own backward drops terms, see DESIGN notes in the README).
//
// Deltas follow darknet's sign: delta = -dLoss/dOutput, and *_updates
// accumulate -dLoss/dParameter over the batch.
#pragma once
#include <cmath>
#include <vector>

#include "../activations.h"
#include "../params.h"
#include "gemm.h"

namespace rnnc::train {

// Batch-norm epsilon outside the square root, as darknet's normalize_cpu.
constexpr double kBnEpsilon = .000001;

// What the backward pass needs from the forward one, for every row.
struct DenseCache {
  int rows = 0, group = 0, out = 0;
  std::vector<real> xhat;   // normalised pre-activations (batch norm only)
  std::vector<real> y;      // outputs, after the activation
  std::vector<real> mean, sd;  // per group and output: batch mean, sqrt(variance)
  DenseCache() = default;
  DenseCache(int rows_, int group_, int out_, bool bn) : rows(rows_), group(group_), out(out_), y(size_t(rows_) * out_) {
    if (bn) {
      xhat.resize(y.size());
      mean.resize(size_t(rows_ / group_) * out_);
      sd.resize(mean.size());
    }
  }
};

// Keeps a transposed copy of W for the forward product, refreshed once per batch.
struct DenseScratch {
  std::vector<real> wt;  // [in][out]
  void refresh(const DenseParams& p) {
    wt.resize(p.weights.size());
    transpose(p.out, p.in, p.weights.data(), wt.data());
  }
};

// Batch norm + bias + activation on pre-activations z (rows r0..r1 of the cache),
// writing c.y; z is overwritten.
template <Act A>
inline void dense_finish_forward(DenseParams& p, DenseCache& c, int r0, int r1, real* z) {
  const int out = p.out;
  if (p.batch_norm) {
    for (int g0 = r0; g0 < r1; g0 += c.group) {
      int g = g0 / c.group;
      const int n = c.group;
      real* mean = &c.mean[size_t(g) * out];
      real* sd = &c.sd[size_t(g) * out];
      for (int j = 0; j < out; ++j) {
        double s = 0;
        for (int r = 0; r < n; ++r) s += z[size_t(g0 - r0 + r) * out + j];
        mean[j] = static_cast<real>(s / n);
        double v = 0;
        for (int r = 0; r < n; ++r) {
          double d = z[size_t(g0 - r0 + r) * out + j] - mean[j];
          v += d * d;
        }
        real var = static_cast<real>(v / (n - 1));
        sd[j] = static_cast<real>(std::sqrt(static_cast<double>(var)));
        p.rolling_mean[j] = real(.99) * p.rolling_mean[j] + real(.01) * mean[j];
        p.rolling_variance[j] = real(.99) * p.rolling_variance[j] + real(.01) * var;
      }
      for (int r = 0; r < n; ++r) {
        size_t row = size_t(g0 + r);
        real* zr = z + size_t(g0 - r0 + r) * out;
        for (int j = 0; j < out; ++j) {
          real xh = static_cast<real>((zr[j] - mean[j]) / (sd[j] + kBnEpsilon));
          c.xhat[row * out + j] = xh;
          zr[j] = xh * p.scales[j] + p.biases[j];
        }
      }
    }
  } else {
    for (int r = r0; r < r1; ++r) {
      real* zr = z + size_t(r - r0) * out;
      for (int j = 0; j < out; ++j) zr[j] += p.biases[j];
    }
  }
  for (int r = r0; r < r1; ++r) {
    real* zr = z + size_t(r - r0) * out;
    real* y = &c.y[size_t(r) * out];
    for (int j = 0; j < out; ++j) y[j] = activate<A>(zr[j]);
  }
}

// Rows r0..r1: y = act(BN(x W^T) + b), x holding (r1-r0) rows of p.in values.
template <Act A>
inline void dense_forward(DenseParams& p, const DenseScratch& s, DenseCache& c, int r0, int r1, const real* x,
                          std::vector<real>& z) {
  z.resize(size_t(r1 - r0) * p.out);
  gemm_nn(r1 - r0, p.out, p.in, x, s.wt.data(), z.data(), false);
  dense_finish_forward<A>(p, c, r0, r1, z.data());
}

// The same for a one-hot input: row r's product is column chars[r] of W.
template <Act A>
inline void dense_forward_onehot(DenseParams& p, const DenseScratch& s, DenseCache& c, int r0, int r1,
                                 const unsigned char* chars, std::vector<real>& z) {
  z.resize(size_t(r1 - r0) * p.out);
  for (int r = r0; r < r1; ++r) {
    const real* col = &s.wt[size_t(chars[r]) * p.out];
    std::copy(col, col + p.out, &z[size_t(r - r0) * p.out]);
  }
  dense_finish_forward<A>(p, c, r0, r1, z.data());
}

// Backward through the activation, bias and batch norm for rows r0..r1:
// delta holds -dL/dy for those rows and becomes -dL/dz (z = x W^T) in place;
// accumulates bias and scale updates.
template <Act A>
inline void dense_backward_pointwise(DenseParams& p, DenseCache& c, int r0, int r1, real* delta) {
  const int out = p.out, n_rows = r1 - r0;
  for (int r = 0; r < n_rows; ++r) {
    const real* y = &c.y[size_t(r0 + r) * out];
    real* d = delta + size_t(r) * out;
    for (int j = 0; j < out; ++j) d[j] *= gradient<A>(y[j]);
  }
  for (int r = 0; r < n_rows; ++r)
    for (int j = 0; j < out; ++j) p.bias_updates[j] += delta[size_t(r) * out + j];
  if (p.batch_norm) {
    for (int g0 = r0; g0 < r1; g0 += c.group) {
      const int g = g0 / c.group, n = c.group;
      const real* sd = &c.sd[size_t(g) * out];
      for (int j = 0; j < out; ++j) {
        // y = xhat*scale + b, xhat = (z - mean) / (sd + eps), sd = sqrt(sum (z-mean)^2 / (n-1))
        double sum_d = 0, sum_dx = 0;
        for (int r = 0; r < n; ++r) {
          size_t row = size_t(g0 + r);
          real& d = delta[size_t(g0 - r0 + r) * out + j];
          p.scale_updates[j] += d * c.xhat[row * out + j];
          d *= p.scales[j];  // now -dL/dxhat
          sum_d += d;
          sum_dx += double(d) * c.xhat[row * out + j];
        }
        double D = sd[j] + kBnEpsilon;
        double mean_d = sum_d / n;
        // d sd / d z_k = (z_k - mean) / ((n-1) sd), and z_k - mean = xhat_k * D.
        double k2 = sd[j] > 0 ? sum_dx / ((n - 1) * double(sd[j]) * D) : 0.0;
        for (int r = 0; r < n; ++r) {
          size_t row = size_t(g0 + r);
          real& d = delta[size_t(g0 - r0 + r) * out + j];
          double zc = double(c.xhat[row * out + j]) * D;
          d = static_cast<real>((d - mean_d) / D - zc * k2);
        }
      }
    }
  }
}

// The whole backward for rows r0..r1 with input x: pointwise part, then the
// weight update dW += delta^T x, and with dx, dx += delta W (-dL/dx).
template <Act A>
inline void dense_backward(DenseParams& p, DenseCache& c, int r0, int r1, real* delta, const real* x, real* dx) {
  dense_backward_pointwise<A>(p, c, r0, r1, delta);
  gemm_tn_acc(p.out, p.in, r1 - r0, delta, x, p.weight_updates.data());
  if (dx) gemm_nn(r1 - r0, p.in, p.out, delta, p.weights.data(), dx, true);
}

// Backward for a one-hot input: the weight update is a scatter into column chars[r].
template <Act A>
inline void dense_backward_onehot(DenseParams& p, DenseCache& c, int r0, int r1, real* delta, const unsigned char* chars) {
  dense_backward_pointwise<A>(p, c, r0, r1, delta);
  for (int r = r0; r < r1; ++r) {
    const real* d = delta + size_t(r - r0) * p.out;
    for (int j = 0; j < p.out; ++j) p.weight_updates[size_t(j) * p.in + chars[r]] += d[j];
  }
}

}  // namespace rnnc::train
