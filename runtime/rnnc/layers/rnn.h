// [rnn]: darknet's vanilla recurrent layer, three connected sub-layers with
// the layer's activation and batch norm:
//   h_t = act(input(x_t)) + act(self(h_{t-1})) (+ h_{t-1} with shortcut=1)
//   y_t = act(output(h_t))
// Everything it does lives here: one character (plain and fused), n samples
// at once (generate -n), and forward and backward over a training batch.
#pragma once
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../dense/batch.h"
#include "../dense/inference.h"
#include "../dense/reference.h"
#include "../dense/train.h"
#include "layer.h"
#include "params.h"

namespace rnnc::layers {

template <int IN, int H, Act A, bool SHORTCUT, int STEPS, int STREAMS, class Backend = Cpu>
struct Rnn : RnnParams {
  static constexpr int kIn = IN, kOut = H, kSublayers = 3;

  // ---- Parameters: params.h ----
  Rnn(const std::string& name, bool batch_norm) : RnnParams(name, IN, H, batch_norm) {}

  // ---- One character ----
  real h[H] = {};  // the state: h_{t-1}
  real y[H] = {};  // the output
  InferenceDense folded_input, folded_self, folded_output;  // batch norm folded in (prepare_*)
  bool input_gathered = false;  // folded_input is stored [in][out], for a one-hot input

  void reset_state() { std::fill(std::begin(h), std::end(h), real(0)); }

  // rnn_step, the plain reference: the input and self sub-layers as separate
  // passes on the raw parameters, then the sum, as darknet orders them.
  void step(const real* x) {
    std::vector<real> a(H), s(H);
    dense_step_reference<A>(input, x, a.data());
    dense_step_reference<A>(self, h, s.data());
    for (int j = 0; j < H; ++j) {
      real v = SHORTCUT ? h[j] : real(0);
      v += a[j];
      v += s[j];
      h[j] = v;
    }
  }

  // rnn_step.fused: the input projection (a gathered row for a one-hot
  // input, else a product), the recurrent product, their biases and
  // activations, and the state sum, in one pass over the outputs.
  void prepare_step_fused(bool gather) {
    folded_input = gather ? prepare_gather(input) : prepare_dense(input);
    input_gathered = gather;
    folded_self = prepare_dense(self);
  }
  void step_fused(const real* x) { fused<false>(x, 0); }
  void step_fused(int c) { fused<true>(nullptr, c); }

  // dense / dense.folded: the output sub-layer, y = act(output(h)).
  void dense() { dense_step_reference<A>(output, h, y); }
  void prepare_dense_folded(bool) { folded_output = prepare_dense(output); }
  void dense_folded() { dense_step<H, H, A>(folded_output, h, y); }

  // ---- n samples at once (generate -n): buffers are [features][n] ----
  std::vector<real> hb, yb, scratch;
  int n = 0;
  void reset_batch(int samples) {
    n = samples;
    hb.assign(size_t(H) * n, real(0));
    yb.assign(size_t(H) * n, real(0));
    if (!input_gathered) prepare_batch_weights(folded_input, n);
    prepare_batch_weights(folded_self, n);
    prepare_batch_weights(folded_output, n);
  }
  void step_fused_batch(const real* X) { fused_batch<false>(X, nullptr); }
  void step_fused_batch(const Symbol* c) { fused_batch<true>(nullptr, c); }
  void dense_folded_batch() { dense_forward_batch<H, H, A>(folded_output, hb.data(), yb.data(), n); }

  // ---- Training over STEPS x STREAMS characters (rows time-major) ----
  // The input and output sub-layers run over all time steps as one product
  // each; only the recurrent sub-layer steps through time. The state starts
  // at zero in every batch, as in darknet's CPU training.
  struct Train {
    static constexpr int steps = STEPS, streams = STREAMS, hidden = H, rows = STEPS * STREAMS;
    train::DenseCache in_cache, self_cache, out_cache;
    train::DenseScratch s_input, s_self, s_output;
    std::vector<real> h;      // (steps + 1) x streams x hidden; slot 0 is h_{-1} = 0
    std::vector<real> delta;  // -dL/dy, filled by the next layer
    std::vector<real> dh, delta_a, dprev, dnext;
    std::vector<real> s_step;  // the self sub-layer's outputs of one step, where redirected (below)
    explicit Train(bool bn)
        : in_cache(rows, streams, H, bn),
          self_cache(rows, streams, H, bn),
          out_cache(rows, streams, H, bn),
          h(size_t(steps + 1) * streams * H),
          delta(size_t(rows) * H) {
      // Where the backward pass does not read the input and self outputs
      // back, the input's go straight into the state slots that sum them
      // (h_t = a_t + s_t, in place) and the self's into one step's buffer:
      // two streams of rows x H less written and read, and that memory.
      if (bn && train::kGradientBySign<A>) {
        s_step.resize(size_t(streams) * H);
        in_cache.redirect_y(&h[size_t(streams) * H], rows);
        self_cache.redirect_y(s_step.data(), streams);
      }
    }
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(input.batch_norm)); }
  const real* train_output() const { return t->out_cache.y_row(0); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { std::fill(t->delta.begin(), t->delta.end(), real(0)); }

  void forward(const real* x) {
    refresh();
    train::dense_train_forward<A>(input, t->s_input, t->in_cache, 0, Train::rows, x);
    forward_recurrent();
  }
  void forward(const Symbol* chars) {
    refresh();
    train::dense_train_forward_onehot<A>(input, t->s_input, t->in_cache, 0, Train::rows, chars);
    forward_recurrent();
  }
  void backward(const real* x, real* dx) {
    backward_recurrent();
    train::dense_train_backward<A>(input, t->s_input, t->in_cache, 0, Train::rows, t->delta_a.data(), x, dx);
  }
  void backward(const Symbol* chars) {
    backward_recurrent();
    train::dense_train_backward_onehot<A>(input, t->in_cache, 0, Train::rows, t->delta_a.data(), chars);
  }

 private:
  template <bool ONEHOT>
  void fused(const real* x, int c) {
    const InferenceDense& in = folded_input;
    const InferenceDense& rec = folded_self;
    real next[H];
    parallel_for(
        H,
        [&](int j0, int j1) {
          real xin[H], hin[H];
          if (!ONEHOT) rows_dot<IN>(in, j0, j1, x, xin);
          rows_dot<H>(rec, j0, j1, h, hin);
          for (int j = j0; j < j1; ++j) {
            real a = activate<A>((ONEHOT ? gathered(in, c, H, j) : xin[j - j0]) + in.b[j]);
            real s = activate<A>(hin[j - j0] + rec.b[j]);
            next[j] = SHORTCUT ? (h[j] + a) + s : a + s;
          }
        },
        kRowsPerThread(ONEHOT ? H : IN + H));
    std::memcpy(h, next, sizeof next);
  }

  // One step for n samples: H' = act(input(x)) + act(self(H)) (+ H). Each
  // thread computes its rows of both products and their sums in one pass;
  // the new state goes to scratch first, because every thread's self product
  // reads all of H.
  template <bool ONEHOT>
  void fused_batch(const real* X, const Symbol* c) {
    const InferenceDense& in = folded_input;
    const InferenceDense& rec = folded_self;
    real* Hs = hb.data();
    scratch.resize(size_t(3) * H * n);
    real* a = scratch.data();
    real* s = a + size_t(H) * n;
    real* next = s + size_t(H) * n;
    auto rows = [&](int j0, int j1, bool products) {
      if (products) {
        if (ONEHOT)
          dense_gather_rows<H, A>(in, c, a, n, j0, j1);
        else {
          batch_product_rows<IN>(in, X, a, n, j0, j1);
          bias_activate_rows<A>(in, a, n, j0, j1);
        }
        batch_product_rows<H>(rec, Hs, s, n, j0, j1);
      }
      for (int j = j0; j < j1; ++j)
        for (int k = 0; k < n; ++k) {
          size_t i = size_t(j) * n + k;
          real sv = activate<A>(s[i] + rec.b[j]);
          next[i] = SHORTCUT ? (Hs[i] + a[i]) + sv : a[i] + sv;
        }
    };
    if (uses_whole_product(in) || uses_whole_product(rec)) {
      if (ONEHOT)
        dense_gather_batch<IN, H, A>(in, c, a, n);
      else
        dense_forward_batch<IN, H, A>(in, X, a, n);
      batch_product<H, H>(rec, Hs, s, n);
      rows(0, H, false);
    } else {
      for_batch_rows(H, batch_threaded(ONEHOT ? H : IN + H, H, n), [&](int j0, int j1) { rows(j0, j1, true); });
    }
    std::memcpy(Hs, next, sizeof(real) * size_t(H) * n);
  }

  void refresh() {
    t->s_input.refresh(input);
    t->s_self.refresh(self);
    t->s_output.refresh(output);
  }

  void forward_recurrent() {
    Train& L = *t;
    const size_t step = size_t(Train::streams) * H;
    std::fill(L.h.begin(), L.h.begin() + step, real(0));
    for (int t = 0; t < Train::steps; ++t) {
      const real* a = L.in_cache.y_row(t * Train::streams);  // hn itself where redirected
      const real* s = L.self_cache.y_row(t * Train::streams);
      const real* prev = &L.h[t * step];
      real* hn = &L.h[(t + 1) * step];
      // The state's sum on each thread's columns, as it finishes them (a[i]
      // is read before hn[i] is written).
      train::dense_train_forward<A>(self, L.s_self, L.self_cache, t * Train::streams, (t + 1) * Train::streams, prev,
                                    [&](int j0, int j1) {
                                      for (int r = 0; r < Train::streams; ++r)
                                        for (size_t i = size_t(r) * H + j0; i < size_t(r) * H + j1; ++i)
                                          hn[i] = SHORTCUT ? (prev[i] + a[i]) + s[i] : a[i] + s[i];
                                    });
    }
    train::dense_train_forward<A>(output, L.s_output, L.out_cache, 0, Train::rows, &L.h[step]);
  }

  // Backward through the output and recurrent sub-layers; leaves -dL/da (the
  // input sub-layer's output) in delta_a.
  void backward_recurrent() {
    Train& L = *t;
    const size_t step = size_t(Train::streams) * H;
    L.dh.assign(L.h.size() - step, real(0));
    train::dense_train_backward<A>(output, L.s_output, L.out_cache, 0, Train::rows, L.delta.data(), &L.h[step], L.dh.data());
    L.delta_a.resize(L.dh.size());
    L.dnext.assign(step, real(0));
    L.dprev.resize(step);
    for (int t = Train::steps - 1; t >= 0; --t) {
      real* dh = &L.dh[t * step];
      real* da = &L.delta_a[t * step];
      const real* dnext = L.dnext.data();
      real* dprev = L.dprev.data();
      // dh becomes the self sub-layer's delta (its output s_t feeds h_t with
      // weight 1), then -dL/dz of that sub-layer; only the product that feeds
      // h_{t-1} must happen inside the time loop. Each thread first adds
      // what h_{t+1} sends back to its columns of dh, keeps that as the input
      // sub-layer's delta, and clears dprev's.
      train::dense_train_backward_pointwise<A>(self, L.self_cache, t * Train::streams, (t + 1) * Train::streams, dh,
                                               [&](int j0, int j1) {
                                                 for (int r = 0; r < Train::streams; ++r)
                                                   for (size_t i = size_t(r) * H + j0; i < size_t(r) * H + j1; ++i) {
                                                     dh[i] += dnext[i];
                                                     da[i] = dh[i];
                                                     dprev[i] = 0;
                                                   }
                                               });
      if (t > 0) train::input_gradient_product(self, L.s_self, Train::streams, dh, L.dprev.data(), true);
      if (SHORTCUT)
        for (size_t i = 0; i < step; ++i) L.dprev[i] += L.delta_a[t * step + i];
      L.dnext.swap(L.dprev);
    }
    // The recurrent weights' update for all time steps at once: dWs += dZs^T [h_{-1} .. h_{T-2}].
    train::weight_gradient_product(self, Train::rows, L.dh.data(), L.h.data());
  }
};

}  // namespace rnnc::layers
