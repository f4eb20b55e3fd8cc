// The fast inference kernels a generated program calls for one character
// (batch 1). Sizes are template arguments, fixed when rnnc emitted the
// program, so loops have constant trip counts the compiler can unroll and
// vectorise. Each kernel has a plain twin in reference_kernels.h that the
// tests hold it against.
#pragma once
#include <cstring>
#include <vector>

#include "activations.h"
#include "params.h"

namespace rnnc {

// A dense sub-layer ready for inference: batch norm folded in
// (FoldBatchNorm), weights laid out as the kernel reads them.
struct InferenceDense {
  std::vector<real> w;  // [out][in], or [in][out] when gathered
  std::vector<real> b;  // [out]
};

// Weights for y = W x + b, rows contiguous.
inline InferenceDense prepare_dense(const DenseParams& p) {
  InferenceDense d;
  fold_batchnorm(p, d.w, d.b);
  return d;
}

// Weights for a one-hot input (OneHotGather): column c of W becomes row c,
// so the projection of character c is one contiguous read.
inline InferenceDense prepare_gather(const DenseParams& p) {
  InferenceDense d;
  std::vector<real> w;
  fold_batchnorm(p, w, d.b);
  d.w.resize(w.size());
  for (int j = 0; j < p.out; ++j)
    for (int i = 0; i < p.in; ++i) d.w[static_cast<size_t>(i) * p.out + j] = w[static_cast<size_t>(j) * p.in + i];
  return d;
}

template <int N>
inline real dot(const real* __restrict a, const real* __restrict x) {
  real s = 0;
  for (int k = 0; k < N; ++k) s += a[k] * x[k];
  return s;
}

// y = act(W x + b).
template <int IN, int OUT, Act A>
inline void dense_forward(const InferenceDense& d, const real* __restrict x, real* __restrict y) {
  const real* w = d.w.data();
  for (int j = 0; j < OUT; ++j) y[j] = activate<A>(dot<IN>(w + static_cast<size_t>(j) * IN, x) + d.b[j]);
}

// y = act(W[:, c] + b) for a one-hot input c (OneHotGather): one row read.
template <int IN, int OUT, Act A>
inline void dense_gather(const InferenceDense& d, int c, real* __restrict y) {
  const real* row = d.w.data() + static_cast<size_t>(c) * OUT;
  for (int j = 0; j < OUT; ++j) y[j] = activate<A>(row[j] + d.b[j]);
}

// One [rnn] step, fused: the input projection (a gathered row for a one-hot
// input, else a product), the recurrent product, their biases and
// activations, and the state sum, in one pass over the outputs.
//   h' = act(Wi x + bi) + act(Ws h + bs) (+ h when shortcut)
template <int IN, int H, Act A, bool SHORTCUT, bool ONEHOT>
inline void rnn_step(const InferenceDense& input, const InferenceDense& self, const real* x, int c, real* __restrict h) {
  real next[H];
  const real* row = ONEHOT ? input.w.data() + static_cast<size_t>(c) * H : nullptr;
  for (int j = 0; j < H; ++j) {
    real in = ONEHOT ? row[j] : dot<IN>(input.w.data() + static_cast<size_t>(j) * IN, x);
    real a = activate<A>(in + input.b[j]);
    real s = activate<A>(dot<H>(self.w.data() + static_cast<size_t>(j) * H, h) + self.b[j]);
    next[j] = SHORTCUT ? (h[j] + a) + s : a + s;
  }
  std::memcpy(h, next, sizeof next);
}

// darknet's softmax over each of GROUPS groups, with temperature; exp in
// double as darknet calls it.
template <int N, int GROUPS>
inline void softmax(const real* x, real temperature, real* y) {
  constexpr int G = N / GROUPS;
  for (int g = 0; g < GROUPS; ++g) {
    const real* in = x + g * G;
    real* out = y + g * G;
    real largest = -3.402823466e+38f;
    for (int i = 0; i < G; ++i)
      if (in[i] > largest) largest = in[i];
    real sum = 0;
    for (int i = 0; i < G; ++i) {
      real e = static_cast<real>(dexp(in[i] / temperature - largest / temperature));
      sum += e;
      out[i] = e;
    }
    for (int i = 0; i < G; ++i) out[i] /= sum;
  }
}

}  // namespace rnnc
