// Training for whole layers over a batch of `streams` text streams of
// `steps` characters. Rows are time-major (row = t * streams + stream), as
// darknet lays out a batch. Each layer keeps what its backward pass needs,
// and a delta buffer (-dL/d its output) that the layer after it fills.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "dense.h"

namespace rnnc::train {

// ---- [connected] ----
struct ConnectedTrain {
  int rows;
  DenseCache cache;
  DenseScratch scratch;
  std::vector<real> z, delta;  // delta: -dL/dy, filled by the next layer
  ConnectedTrain(const DenseParams& p, int rows_)
      : rows(rows_), cache(rows_, rows_, p.out, p.batch_norm), delta(size_t(rows_) * p.out) {}
  const real* output() const { return cache.y.data(); }
};

template <Act A>
inline void connected_forward(DenseParams& p, ConnectedTrain& L, const real* x) {
  L.scratch.refresh(p);
  dense_forward<A>(p, L.scratch, L.cache, 0, L.rows, x, L.z);
}
template <Act A>
inline void connected_forward_onehot(DenseParams& p, ConnectedTrain& L, const unsigned char* chars) {
  L.scratch.refresh(p);
  dense_forward_onehot<A>(p, L.scratch, L.cache, 0, L.rows, chars, L.z);
}
template <Act A>
inline void connected_backward(DenseParams& p, ConnectedTrain& L, const real* x, real* dx) {
  dense_backward<A>(p, L.cache, 0, L.rows, L.delta.data(), x, dx);
}
template <Act A>
inline void connected_backward_onehot(DenseParams& p, ConnectedTrain& L, const unsigned char* chars) {
  dense_backward_onehot<A>(p, L.cache, 0, L.rows, L.delta.data(), chars);
}

// ---- [rnn]: h_t = act(input(x_t)) + act(self(h_{t-1})) (+ h_{t-1}); y_t = act(output(h_t)) ----
// The input and output sub-layers run over all time steps as one product each;
// only the recurrent sub-layer steps through time. The state starts at zero
// in every batch, as in darknet's CPU training.
struct RnnTrain {
  int steps, streams, hidden;
  DenseCache in_cache, self_cache, out_cache;
  DenseScratch s_input, s_self, s_output;
  std::vector<real> h;      // (steps + 1) x streams x hidden; slot 0 is h_{-1} = 0
  std::vector<real> delta;  // -dL/dy, filled by the next layer
  std::vector<real> z, dh, delta_a, dprev, dnext;
  RnnTrain(const DenseParams& in, int steps_, int streams_)
      : steps(steps_),
        streams(streams_),
        hidden(in.out),
        in_cache(steps_ * streams_, streams_, in.out, in.batch_norm),
        self_cache(steps_ * streams_, streams_, in.out, in.batch_norm),
        out_cache(steps_ * streams_, streams_, in.out, in.batch_norm),
        h(size_t(steps_ + 1) * streams_ * in.out),
        delta(size_t(steps_) * streams_ * in.out) {}
  const real* output() const { return out_cache.y.data(); }
  int rows() const { return steps * streams; }
};

template <Act A, bool SHORTCUT>
inline void rnn_forward_recurrent(DenseParams& self, DenseParams& out, RnnTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden;
  std::fill(L.h.begin(), L.h.begin() + step, real(0));
  for (int t = 0; t < L.steps; ++t) {
    dense_forward<A>(self, L.s_self, L.self_cache, t * L.streams, (t + 1) * L.streams, &L.h[t * step], L.z);
    const real* a = &L.in_cache.y[t * step];
    const real* s = &L.self_cache.y[t * step];
    const real* prev = &L.h[t * step];
    real* h = &L.h[(t + 1) * step];
    for (size_t i = 0; i < step; ++i) h[i] = SHORTCUT ? (prev[i] + a[i]) + s[i] : a[i] + s[i];
  }
  dense_forward<A>(out, L.s_output, L.out_cache, 0, L.rows(), &L.h[step], L.z);
}

template <Act A, bool SHORTCUT>
inline void rnn_forward(DenseParams& in, DenseParams& self, DenseParams& out, RnnTrain& L, const real* x) {
  L.s_input.refresh(in);
  L.s_self.refresh(self);
  L.s_output.refresh(out);
  dense_forward<A>(in, L.s_input, L.in_cache, 0, L.rows(), x, L.z);
  rnn_forward_recurrent<A, SHORTCUT>(self, out, L);
}

template <Act A, bool SHORTCUT>
inline void rnn_forward_onehot(DenseParams& in, DenseParams& self, DenseParams& out, RnnTrain& L,
                               const unsigned char* chars) {
  L.s_input.refresh(in);
  L.s_self.refresh(self);
  L.s_output.refresh(out);
  dense_forward_onehot<A>(in, L.s_input, L.in_cache, 0, L.rows(), chars, L.z);
  rnn_forward_recurrent<A, SHORTCUT>(self, out, L);
}

// Backward through the output and recurrent sub-layers; leaves -dL/da (the
// input sub-layer's output) in L.delta_a.
template <Act A, bool SHORTCUT>
inline void rnn_backward_recurrent(DenseParams& self, DenseParams& out, RnnTrain& L) {
  const size_t step = size_t(L.streams) * L.hidden;
  L.dh.assign(L.h.size() - step, real(0));
  dense_backward<A>(out, L.out_cache, 0, L.rows(), L.delta.data(), &L.h[step], L.dh.data());
  L.delta_a.resize(L.dh.size());
  L.dnext.assign(step, real(0));
  for (int t = L.steps - 1; t >= 0; --t) {
    real* dh = &L.dh[t * step];
    for (size_t i = 0; i < step; ++i) dh[i] += L.dnext[i];
    std::copy(dh, dh + step, &L.delta_a[t * step]);
    L.dprev.assign(step, real(0));
    // dh becomes the self sub-layer's delta (its output s_t feeds h_t with
    // weight 1), then -dL/dz of that sub-layer; only the product that feeds
    // h_{t-1} must happen inside the time loop.
    dense_backward_pointwise<A>(self, L.self_cache, t * L.streams, (t + 1) * L.streams, dh);
    if (t > 0) gemm_nn(L.streams, L.hidden, L.hidden, dh, self.weights.data(), L.dprev.data(), true);
    if (SHORTCUT)
      for (size_t i = 0; i < step; ++i) L.dprev[i] += L.delta_a[t * step + i];
    L.dnext.swap(L.dprev);
  }
  // The recurrent weights' update for all time steps at once: dWs += dZs^T [h_{-1} .. h_{T-2}].
  gemm_tn_acc(L.hidden, L.hidden, L.rows(), L.dh.data(), L.h.data(), self.weight_updates.data());
}

template <Act A, bool SHORTCUT>
inline void rnn_backward(DenseParams& in, DenseParams& self, DenseParams& out, RnnTrain& L, const real* x, real* dx) {
  rnn_backward_recurrent<A, SHORTCUT>(self, out, L);
  dense_backward<A>(in, L.in_cache, 0, L.rows(), L.delta_a.data(), x, dx);
}

template <Act A, bool SHORTCUT>
inline void rnn_backward_onehot(DenseParams& in, DenseParams& self, DenseParams& out, RnnTrain& L,
                                const unsigned char* chars) {
  rnn_backward_recurrent<A, SHORTCUT>(self, out, L);
  dense_backward_onehot<A>(in, L.in_cache, 0, L.rows(), L.delta_a.data(), chars);
}

// ---- [softmax] with darknet's cross-entropy cost ----
struct SoftmaxTrain {
  int rows, n;
  std::vector<real> p;       // probabilities
  std::vector<double> cost;  // each row's -log p[truth]
  SoftmaxTrain(int rows_, int n_) : rows(rows_), n(n_), p(size_t(rows_) * n_), cost(rows_) {}
};

// Softmax of every row (in groups), cost -log p[truth]; writes -dL/dx into
// dx (truth - p, divided by the temperature, within the truth's group; 0 in
// the other groups, whose logits the cost does not depend on: darknet's
// truth - p there is not the gradient of its cost). Returns the summed cost.
// Rows are independent: the threads share them, and the costs are summed in
// row order afterwards, so the total is the same for any number of threads.
inline double softmax_loss(SoftmaxTrain& L, const real* x, const unsigned char* truth, int groups, real temperature,
                           real* dx) {
  const int G = L.n / groups;
  parallel_for(
      L.rows,
      [&](int r0, int r1) {
        for (int r = r0; r < r1; ++r) {
          for (int g = 0; g < groups; ++g)
            softmax_group(x + size_t(r) * L.n + g * G, G, temperature, &L.p[size_t(r) * L.n + g * G]);
          const real* p = &L.p[size_t(r) * L.n];
          real* d = dx + size_t(r) * L.n;
          const int g0 = truth[r] / G * G;
          for (int i = 0; i < L.n; ++i)
            d[i] = i >= g0 && i < g0 + G ? (real(i == truth[r]) - p[i]) / temperature : real(0);
          L.cost[r] = std::log(static_cast<double>(p[truth[r]]));
        }
      },
      64);
  double cost = 0;
  for (int r = 0; r < L.rows; ++r) cost -= L.cost[r];
  return cost;
}

}  // namespace rnnc::train
