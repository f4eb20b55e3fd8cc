// [connected]: darknet's fully connected layer, y = act(BN(W x) + b), one
// dense sub-layer (its kernels, shared with the sub-layers of the recurrent
// kinds, are in dense/). Everything it does lives here: one character (plain
// and folded, or a gathered row for a one-hot input), n samples at once, and
// forward and backward over a training batch.
#pragma once
#include <algorithm>
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

template <int IN, int OUT, Act A, int STEPS, int STREAMS, class Backend = Cpu>
struct Connected : ConnectedParams {
  static constexpr int kIn = IN, kOut = OUT, kSublayers = 1;

  // ---- Parameters: params.h ----
  Connected(const std::string& name, bool batch_norm) : ConnectedParams(name, IN, OUT, batch_norm) {}

  // ---- One character ----
  real y[OUT] = {};
  InferenceDense folded;  // batch norm folded in; [in][out] when gathered
  bool gathered = false;

  void reset_state() {}

  // dense: the plain reference, darknet's order of operations on the raw parameters.
  void dense(const real* x) { dense_step_reference<A>(weights, x, y); }

  // dense.folded: y = act(W' x + b'), or for a one-hot input the row W'[:, c].
  void prepare_dense_folded(bool gather) {
    folded = gather ? prepare_gather(weights) : prepare_dense(weights);
    gathered = gather;
  }
  void dense_folded(const real* x) { dense_step<IN, OUT, A>(folded, x, y); }
  void dense_folded(int c) { dense_step_gather<IN, OUT, A>(folded, c, y); }

  // ---- n samples at once (generate -n): buffers are [features][n] ----
  std::vector<real> yb;
  int n = 0;
  void reset_batch(int samples) {
    n = samples;
    yb.assign(size_t(OUT) * n, real(0));
    if (!gathered) prepare_batch_weights(folded, n);
  }
  void dense_folded_batch(const real* X) { dense_forward_batch<IN, OUT, A>(folded, X, yb.data(), n); }
  void dense_folded_batch(const Symbol* c) { dense_gather_batch<IN, OUT, A>(folded, c, yb.data(), n); }

  // ---- Training over STEPS x STREAMS rows: batch norm over all of them ----
  struct Train {
    static constexpr int rows = STEPS * STREAMS;
    train::DenseCache cache;
    train::DenseScratch scratch;
    std::vector<real> delta;  // delta: -dL/dy, filled by the next layer
    explicit Train(bool bn) : cache(rows, rows, OUT, bn), delta(size_t(rows) * OUT) {}
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train(weights.batch_norm)); }
  const real* train_output() const { return t->cache.y.data(); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { std::fill(t->delta.begin(), t->delta.end(), real(0)); }

  void forward(const real* x) {
    t->scratch.refresh(weights);
    train::dense_train_forward<A>(weights, t->scratch, t->cache, 0, Train::rows, x);
  }
  void forward(const Symbol* chars) {
    t->scratch.refresh(weights);
    train::dense_train_forward_onehot<A>(weights, t->scratch, t->cache, 0, Train::rows, chars);
  }
  void backward(const real* x, real* dx) {
    train::dense_train_backward<A>(weights, t->scratch, t->cache, 0, Train::rows, t->delta.data(), x, dx);
  }
  void backward(const Symbol* chars) {
    train::dense_train_backward_onehot<A>(weights, t->cache, 0, Train::rows, t->delta.data(), chars);
  }
};

}  // namespace rnnc::layers
