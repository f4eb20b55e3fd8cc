// Inference for n independent samples at once (generate -n N): every weight
// read serves all n. Activations are feature-major ([features][n], one
// column per sample), so that each layer is one product W X with the
// register-blocked micro-kernel of train/gemm.h, then a pointwise pass.
#pragma once
#include <cmath>
#include <vector>

#include "activations.h"
#include "inference_kernels.h"
#include "train/gemm.h"

namespace rnnc {

// Z[OUT][n] = W X, in whichever precision the weights are held.
template <int IN, int OUT>
inline void batch_product(const InferenceDense& d, const real* X, real* Z, int n) {
  if (!d.w_bf16.empty())
    train::gemm_split(OUT, n, IN, d.w_bf16.data(), IN, 1, X, Z, false);
  else
    train::gemm_split(OUT, n, IN, d.w.data(), IN, 1, X, Z, false);
}

// Y = act(W X + b).
template <int IN, int OUT, Act A>
inline void dense_forward_batch(const InferenceDense& d, const real* X, real* Y, int n) {
  batch_product<IN, OUT>(d, X, Y, n);
  for (int j = 0; j < OUT; ++j)
    for (int s = 0; s < n; ++s) Y[j * n + s] = activate<A>(Y[j * n + s] + d.b[j]);
}

// Y = act(W[:, c_s] + b) for each sample's character c_s (a gathered layout).
template <int IN, int OUT, Act A>
inline void dense_gather_batch(const InferenceDense& d, const unsigned char* c, real* Y, int n) {
  for (int j = 0; j < OUT; ++j)
    for (int s = 0; s < n; ++s) Y[j * n + s] = activate<A>(gathered(d, c[s], OUT, j) + d.b[j]);
}

// One [rnn] step for n samples: H' = act(input(x)) + act(self(H)) (+ H).
template <int IN, int H, Act A, bool SHORTCUT, bool ONEHOT>
inline void rnn_step_batch(const InferenceDense& input, const InferenceDense& self, const real* X,
                           const unsigned char* c, real* Hs, int n, std::vector<real>& scratch) {
  scratch.resize(size_t(2) * H * n);
  real* a = scratch.data();
  real* s = a + size_t(H) * n;
  if (ONEHOT)
    dense_gather_batch<IN, H, A>(input, c, a, n);
  else
    dense_forward_batch<IN, H, A>(input, X, a, n);
  batch_product<H, H>(self, Hs, s, n);
  for (int j = 0; j < H; ++j)
    for (int k = 0; k < n; ++k) {
      size_t i = size_t(j) * n + k;
      real sv = activate<A>(s[i] + self.b[j]);
      Hs[i] = SHORTCUT ? (Hs[i] + a[i]) + sv : a[i] + sv;
    }
}

// Softmax of each sample's column; P is sample-major [n][N] for the sampler.
template <int N, int GROUPS>
inline void softmax_batch(const real* X, real temperature, real* P, int n, std::vector<real>& column) {
  column.resize(N);
  for (int s = 0; s < n; ++s) {
    for (int j = 0; j < N; ++j) column[j] = X[size_t(j) * n + s];
    softmax<N, GROUPS>(column.data(), temperature, P + size_t(s) * N);
  }
}

}  // namespace rnnc
