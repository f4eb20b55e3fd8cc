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
#include "../gemm.h"
#include "../gemm_bf16.h"
#include "../threads.h"

namespace rnnc::train {

// Batch-norm epsilon outside the square root, as darknet's normalize_cpu.
constexpr double kBnEpsilon = .000001;

// Activations for training, in the scalar type alone so that the loops
// vectorise (inference keeps darknet's double-rounded forms, for exactness).
template <Act A>
inline real train_activate(real x) {
  // The products are computed whatever the sign, so the choice is a blend and
  // the loops vectorise (a conditional multiply may not be speculated).
  if constexpr (A == Act::Leaky) {
    real s = real(.1) * x;
    return x > 0 ? x : s;
  } else if constexpr (A == Act::Relu)
    return x > 0 ? x : real(0);
  else if constexpr (A == Act::Relie) {
    real s = real(.01) * x;
    return x > 0 ? x : s;
  } else if constexpr (A == Act::Ramp)
    return (x > 0 ? x : real(0)) + real(.1) * x;
  else
    return activate<A>(x);
}
template <Act A>
inline real train_gradient(real y) {
  if constexpr (A == Act::Leaky)
    return y > 0 ? real(1) : real(.1);
  else if constexpr (A == Act::Relu)
    return y > 0 ? real(1) : real(0);
  else if constexpr (A == Act::Relie)
    return y > 0 ? real(1) : real(.01);
  else if constexpr (A == Act::Ramp)
    return y > 0 ? real(1.1) : real(.1);
  else
    return gradient<A>(y);
}

// Activations whose gradient, given as a function of y, is one of the sign of
// their input (or constant): y > 0 exactly where the input is. With batch
// norm the backward pass recomputes that input, xhat * scale + bias (the
// forward's float operations; -ffp-contract=off), rather than read y back.
template <Act A>
constexpr bool kGradientBySign = A == Act::Leaky || A == Act::Relu || A == Act::Relie || A == Act::Ramp ||
                                 A == Act::Linear;

// What the backward pass needs from the forward one, for every row.
struct DenseCache {
  int rows = 0, group = 0, out = 0;
  std::vector<real> xhat;      // normalised pre-activations (batch norm only)
  std::vector<real> y;         // outputs, after the activation (unless redirect_y sent them elsewhere)
  std::vector<real> mean, sd;  // per group and output: batch mean, sqrt(variance)
  DenseCache() = default;
  DenseCache(int rows_, int group_, int out_, bool bn)
      : rows(rows_), group(group_), out(out_), y(size_t(rows_) * out_) {
    if (bn) {
      xhat.resize(y.size());
      mean.resize(size_t(rows_ / group_) * out_);
      sd.resize(mean.size());
    }
  }
  // Row r of the outputs.
  real* y_row(int r) { return y_to ? y_to + size_t(r % y_period) * out : &y[size_t(r) * out]; }
  // The outputs of row r go to row r % period of `to` instead of y, which is
  // freed: for a sub-layer whose consumer takes them there and whose backward
  // pass does not read them (batch norm with a kGradientBySign activation,
  // which dense_train_backward_pointwise then never reads y for).
  void redirect_y(real* to, int period) {
    y_to = to, y_period = period;
    std::vector<real>().swap(y);
  }

 private:
  real* y_to = nullptr;
  int y_period = 0;
};

// A transposed copy of W for the forward products that rnnc's kernels run
// (and the one-hot input's columns), made on first use after each refresh:
// a product the plan gives to a library reads W as it is, and a batch then
// transposes nothing. With train -precision bf16, W^T and W rounded and
// packed for the bf16 products, at every refresh.
struct DenseScratch {
  void refresh(const DenseParams& p) {
    stale = true;
    if (train_precision() != TrainPrecision::Bf16) return;
    if (bf16_products_on_dnnl()) {
      to_bf16_words(p.weights.size(), p.weights.data(), w_words);
    } else {
      pack_bf16_operand(p.in, p.out, p.weights.data(), 1, p.in, wt16);
      pack_bf16_operand(p.out, p.in, p.weights.data(), p.in, 1, w16);
    }
  }
  // W^T, [in][out], as of the last refresh.
  const real* transposed(const DenseParams& p) const {
    if (stale) {
      wt.resize(p.weights.size());
      transpose(p.out, p.in, p.weights.data(), wt.data());
      stale = false;
    }
    return wt.data();
  }
  Bf16Operand wt16, w16;
  std::vector<uint16_t> w_words;  // W [out][in] in bf16, for oneDNN's bf16 products

 private:
  mutable std::vector<real> wt;
  mutable bool stale = true;
};

// The bf16 products on oneDNN (bf16_products_on_dnnl; a float build linking
// it): the activations and deltas converted at each product, W once a batch
// (DenseScratch::w_words). false where they do not run there.
// C[M][N] (+)= A[M][K] W', W' = W^T (a forward product: B(k, n) = W[n][k])
// or W (an input gradient).
template <class T>
inline bool bf16_times_weights_on_dnnl(const DenseParams& p, const DenseScratch& s, int M, const T* A, bool transposed,
                                       T* C, bool accumulate) {
#if defined(RNNC_DNNL)
  if constexpr (std::is_same_v<T, float>) {
    if (train_precision() != TrainPrecision::Bf16 || !bf16_products_on_dnnl()) return false;
    static thread_local std::vector<uint16_t> a;
    const int K = transposed ? p.in : p.out, N = transposed ? p.out : p.in;
    to_bf16_words(size_t(M) * K, A, a);
    // W is [out][in]: B(k, n) = W[n][k] read down its rows, or W[k][n].
    const ptrdiff_t bk = transposed ? 1 : p.in, bn = transposed ? p.in : 1;
    dnnl_gemm_bf16(M, N, K, a.data(), K, 1, s.w_words.data(), bk, bn, C, accumulate);
    return true;
  }
#endif
  (void)p, (void)s, (void)M, (void)A, (void)transposed, (void)C, (void)accumulate;
  return false;
}

// dW (out x in) += delta^T x on oneDNN in bf16, where bf16_times_weights_on_dnnl runs there.
template <class T>
inline bool bf16_weight_gradient_on_dnnl(DenseParams& p, int rows, const T* delta, const T* x) {
#if defined(RNNC_DNNL)
  if constexpr (std::is_same_v<T, float>) {
    if (train_precision() != TrainPrecision::Bf16 || !bf16_products_on_dnnl()) return false;
    static thread_local std::vector<uint16_t> d16, x16;
    to_bf16_words(size_t(rows) * p.out, delta, d16);
    to_bf16_words(size_t(rows) * p.in, x, x16);
    // A(j, r) = delta[r][j]; B = x [rows][in].
    dnnl_gemm_bf16(p.out, p.in, rows, d16.data(), 1, p.out, x16.data(), p.in, 1, p.weight_updates.data(), true);
    return true;
  }
#endif
  (void)p, (void)rows, (void)delta, (void)x;
  return false;
}

// The three products of training, each in fp32 or bf16 (train_precision()).
// z = x W^T for `rows` rows of x.
inline void forward_product(const DenseParams& p, const DenseScratch& s, int rows, const real* x, real* z) {
  if (bf16_times_weights_on_dnnl(p, s, rows, x, true, z, false)) return;
  if (train_precision() == TrainPrecision::Bf16)
    bf16_gemm_nn(rows, p.out, p.in, x, s.wt16, z, false);
  else if (!gemm_nt_on_library(rows, p.out, p.in, x, p.weights.data(), z, false))
    gemm_nn(rows, p.out, p.in, x, s.transposed(p), z, false);
}

// dx (+)= delta W (-dL/dx from -dL/dz) for `rows` rows of delta.
inline void input_gradient_product(const DenseParams& p, const DenseScratch& s, int rows, const real* delta, real* dx,
                                   bool accumulate) {
  if (bf16_times_weights_on_dnnl(p, s, rows, delta, false, dx, accumulate)) return;
  if (train_precision() == TrainPrecision::Bf16)
    bf16_gemm_nn(rows, p.in, p.out, delta, s.w16, dx, accumulate);
  else
    gemm_nn(rows, p.in, p.out, delta, p.weights.data(), dx, accumulate);
}

// p.weight_updates += delta^T x over `rows` rows.
inline void weight_gradient_product(DenseParams& p, int rows, const real* delta, const real* x) {
  if (bf16_weight_gradient_on_dnnl(p, rows, delta, x)) return;
  if (train_precision() == TrainPrecision::Bf16)
    bf16_gemm_tn_acc(p.out, p.in, rows, delta, x, p.weight_updates.data());
  else
    gemm_tn_acc(p.out, p.in, rows, delta, x, p.weight_updates.data());
}

// A pass's optional last (or first) work on each thread's columns (below):
// none by default.
struct NoColumnWork {
  void operator()(int, int) const {}
};

// Splits the outputs (columns) of rows r0..r1 over the threads when there
// are enough of them to pay for it. Every sum of the pointwise passes runs
// down one column in row order, so a column's result is the same whichever
// thread computes it.
template <class F>
inline void for_columns(int rows, int out, F&& f) {
  if (size_t(rows) * out < 1024) {
    f(0, out);
    return;
  }
  parallel_for(out, f, 16);
}

// Where the product of rows r0.. goes: with batch norm the cache's xhat rows,
// normalised there in place; without, its y rows, where the bias and the
// activation follow in place. The rows are written once and read back while
// they are still in cache; a separate scratch for z cost one more stream.
inline real* product_rows(const DenseParams& p, DenseCache& c, int r0) {
  return p.batch_norm ? &c.xhat[size_t(r0) * p.out] : c.y_row(r0);
}

// One row of batch norm's last pass, columns j0..j1, in place on the row of
// z: normalise (into xhat), scale, add the bias, activate (into y).
// __restrict: y aliases none of the inputs, so the loop vectorises.
template <Act A>
inline void finish_row(int j0, int j1, real* __restrict zx, const real* __restrict mean, const real* __restrict inv,
                       const real* __restrict scales, const real* __restrict biases, real* __restrict y) {
  for (int j = j0; j < j1; ++j) {
    zx[j] = (zx[j] - mean[j]) * inv[j];
    y[j] = train_activate<A>(zx[j] * scales[j] + biases[j]);
  }
}

// Batch norm + bias + activation on the pre-activations of rows r0..r1,
// which the product left at product_rows(p, c, r0); writes c.xhat and c.y.
// Loops run along rows (contiguous) with per-output accumulators, so they
// vectorise; the threads take columns. The last pass normalises, scales,
// adds the bias and activates at once: one pass over the rows less than a
// pass each (a pass is ~0.5 MB at cfg/rnn.train.cfg's 128 x 1024), with the
// same float operations. then(j0, j1) runs on each thread's columns once
// they are done, while they are in its cache (the recurrent state's sum).
template <Act A, class Then = NoColumnWork>
inline void dense_train_finish(DenseParams& p, DenseCache& c, int r0, int r1, Then&& then = {}) {
  const int out = p.out;
  real* const z = product_rows(p, c, r0);
  for_columns(r1 - r0, out, [&](int j0, int j1) {
    if (!p.batch_norm) {
      for (int r = r0; r < r1; ++r) {
        real* y = c.y_row(r);
        for (int j = j0; j < j1; ++j) y[j] = train_activate<A>(y[j] + p.biases[j]);
      }
      then(j0, j1);
      return;
    }
    static thread_local std::vector<real> sum, sq, inv;
    sum.resize(out);
    sq.resize(out);
    inv.resize(out);
    for (int g0 = r0; g0 < r1; g0 += c.group) {
      const int g = g0 / c.group, n = c.group;
      real* mean = &c.mean[size_t(g) * out];
      real* sd = &c.sd[size_t(g) * out];
      real* zg = z + size_t(g0 - r0) * out;
      std::fill(sum.begin() + j0, sum.begin() + j1, real(0));
      std::fill(sq.begin() + j0, sq.begin() + j1, real(0));
      for (int r = 0; r < n; ++r)
        for (int j = j0; j < j1; ++j) sum[j] += zg[size_t(r) * out + j];
      for (int j = j0; j < j1; ++j) mean[j] = sum[j] / n;
      for (int r = 0; r < n; ++r)
        for (int j = j0; j < j1; ++j) {
          real d = zg[size_t(r) * out + j] - mean[j];
          sq[j] += d * d;
        }
      for (int j = j0; j < j1; ++j) {
        real var = sq[j] / (n - 1);
        sd[j] = std::sqrt(var);
        inv[j] = static_cast<real>(1 / (sd[j] + kBnEpsilon));
        p.rolling_mean[j] = real(.99) * p.rolling_mean[j] + real(.01) * mean[j];
        p.rolling_variance[j] = real(.99) * p.rolling_variance[j] + real(.01) * var;
      }
      for (int r = 0; r < n; ++r)
        finish_row<A>(j0, j1, zg + size_t(r) * out, mean, inv.data(), p.scales.data(), p.biases.data(),
                      c.y_row(g0 + r));
    }
    then(j0, j1);
  });
}

// Rows r0..r1: y = act(BN(x W^T) + b), x holding (r1-r0) rows of p.in values.
template <Act A, class Then = NoColumnWork>
inline void dense_train_forward(DenseParams& p, const DenseScratch& s, DenseCache& c, int r0, int r1, const real* x,
                                Then&& then = {}) {
  forward_product(p, s, r1 - r0, x, product_rows(p, c, r0));
  dense_train_finish<A>(p, c, r0, r1, then);
}

// The same for a one-hot input: row r's product is column chars[r] of W.
template <Act A>
inline void dense_train_forward_onehot(DenseParams& p, const DenseScratch& s, DenseCache& c, int r0, int r1,
                                       const Symbol* chars) {
  const real* wt = s.transposed(p);
  real* z = product_rows(p, c, r0);
  for (int r = r0; r < r1; ++r) {
    const real* col = &wt[size_t(chars[r]) * p.out];
    std::copy(col, col + p.out, &z[size_t(r - r0) * p.out]);
  }
  dense_train_finish<A>(p, c, r0, r1);
}

// One row of the backward's first pass, columns j0..j1: through the
// activation (d *= f'(y)), into the bias updates, and with batch norm into
// the scale updates and the group's sums (d *= scale). The pointers never
// overlap; saying so (__restrict, which GCC honours on parameters) lets it
// vectorise.
template <Act A, bool BN>
inline void backward_row(int j0, int j1, real* __restrict d, const real* __restrict y, const real* __restrict biases,
                         real* __restrict bias_updates, const real* __restrict xh, const real* __restrict scales,
                         real* __restrict scale_updates, real* __restrict sum_d, real* __restrict sum_dx) {
  for (int j = j0; j < j1; ++j) {
    if constexpr (BN && kGradientBySign<A>)
      d[j] *= train_gradient<A>(xh[j] * scales[j] + biases[j]);  // y's stream is not read
    else
      d[j] *= train_gradient<A>(y[j]);
    bias_updates[j] += d[j];
    if constexpr (BN) {
      scale_updates[j] += d[j] * xh[j];
      d[j] *= scales[j];
      sum_d[j] += d[j];
      sum_dx[j] += d[j] * xh[j];
    }
  }
}

// Backward through the activation, bias and batch norm for rows r0..r1:
// delta holds -dL/dy for those rows and becomes -dL/dz (z = x W^T) in place;
// accumulates bias and scale updates. The threads take columns; every sum
// runs down its column in row order, as separate passes would. first(j0, j1)
// runs on each thread's columns before the rest (it may fill delta there).
template <Act A, class First = NoColumnWork>
inline void dense_train_backward_pointwise(DenseParams& p, DenseCache& c, int r0, int r1, real* delta,
                                           First&& first = {}) {
  const int out = p.out, n_rows = r1 - r0;
  for_columns(n_rows, out, [&](int j0, int j1) {
    first(j0, j1);
    if (!p.batch_norm) {
      for (int r = 0; r < n_rows; ++r)
        backward_row<A, false>(j0, j1, delta + size_t(r) * out, c.y_row(r0 + r), nullptr,
                               p.bias_updates.data(), nullptr, nullptr, nullptr, nullptr, nullptr);
      return;
    }
    // y = xhat*scale + b, xhat = (z - mean) / D, D = sd + eps, sd = sqrt(sum (z-mean)^2 / (n-1)):
    // -dL/dz_k = (g_k - mean(g)) / D - (z_k - mean) * sum_i(g_i xhat_i) / ((n-1) sd D), g = -dL/dxhat.
    static thread_local std::vector<real> sum_d, sum_dx, inv;
    sum_d.resize(out);
    sum_dx.resize(out);
    inv.resize(out);
    for (int g0 = r0; g0 < r1; g0 += c.group) {
      const int g = g0 / c.group, n = c.group;
      const real* sd = &c.sd[size_t(g) * out];
      real* dg = delta + size_t(g0 - r0) * out;
      std::fill(sum_d.begin() + j0, sum_d.begin() + j1, real(0));
      std::fill(sum_dx.begin() + j0, sum_dx.begin() + j1, real(0));
      for (int r = 0; r < n; ++r)
        backward_row<A, true>(j0, j1, dg + size_t(r) * out, kGradientBySign<A> ? nullptr : c.y_row(g0 + r),
                              p.biases.data(),
                              p.bias_updates.data(), &c.xhat[size_t(g0 + r) * out], p.scales.data(),
                              p.scale_updates.data(), sum_d.data(), sum_dx.data());
      for (int j = j0; j < j1; ++j) {
        inv[j] = static_cast<real>(1 / (sd[j] + kBnEpsilon));
        sum_d[j] = sum_d[j] / n;                                          // mean of g
        sum_dx[j] = sd[j] > 0 ? sum_dx[j] / ((n - 1) * sd[j]) : real(0);  // times (z - mean) = xhat D
      }
      for (int r = 0; r < n; ++r) {
        real* d = dg + size_t(r) * out;
        const real* xh = &c.xhat[size_t(g0 + r) * out];
        for (int j = j0; j < j1; ++j) d[j] = (d[j] - sum_d[j]) * inv[j] - xh[j] * sum_dx[j];
      }
    }
  });
}

// The whole backward for rows r0..r1 with input x: pointwise part, then the
// weight update dW += delta^T x, and with dx, dx += delta W (-dL/dx).
template <Act A>
inline void dense_train_backward(DenseParams& p, const DenseScratch& s, DenseCache& c, int r0, int r1, real* delta,
                                 const real* x, real* dx) {
  dense_train_backward_pointwise<A>(p, c, r0, r1, delta);
  weight_gradient_product(p, r1 - r0, delta, x);
  if (dx) input_gradient_product(p, s, r1 - r0, delta, dx, true);
}

// Backward for a one-hot input: the weight update adds row r's delta to
// column chars[r] of dW. Down a column (stride p.in) that is a scalar loop;
// on dW's transpose it is a contiguous row, so dW is transposed, the rows
// added (the threads taking columns) and transposed back: every element
// still sums its rows in row order.
template <Act A>
inline void dense_train_backward_onehot(DenseParams& p, DenseCache& c, int r0, int r1, real* delta,
                                        const Symbol* chars) {
  dense_train_backward_pointwise<A>(p, c, r0, r1, delta);
  static thread_local std::vector<real> ut_buffer;  // this (the calling) thread's; the workers get its address
  ut_buffer.resize(p.weight_updates.size());
  real* const ut = ut_buffer.data();
  transpose(p.out, p.in, p.weight_updates.data(), ut);
  for_columns(r1 - r0, p.out, [&](int j0, int j1) {
    for (int r = r0; r < r1; ++r) {
      const real* __restrict d = delta + size_t(r - r0) * p.out;
      real* __restrict u = ut + size_t(chars[r]) * p.out;
      for (int j = j0; j < j1; ++j) u[j] += d[j];
    }
  });
  transpose(p.in, p.out, ut, p.weight_updates.data());
}

}  // namespace rnnc::train
