// [dropout]: darknet's dropout layer. At inference it is the identity; in a
// training forward it draws one uniform number r in [0, 1] per element of the
// batch from the program's training generator (darknet's rand_uniform(0, 1)),
// in row-major order over the STEPS x STREAMS rows (time-major) and the
// layer's inputs, keeps it, and outputs 0 where r < probability and x * scale
// elsewhere, scale = 1 / (1 - probability); backward lets the delta through
// the same mask, scaled alike. No parameters.
//
// The probability is a template argument: the bits of the float the cfg's
// value became (darknet holds it as a float, and compares the float r with
// it), as C++17 has no float template parameters. The bits keep every value
// exact, as a parts-per-million integer would not.
//
// darknet runs the layer in place, on the previous layer's output and delta;
// here it has its own output and delta, and adds into the previous layer's
// delta as every kind does (the previous layer's own backward then sees its
// own output, as its gradient needs).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../error.h"
#include "../train/noise.h"
#include "layer.h"

namespace rnnc::layers {

// darknet's probability (a float, from its bits) and scale (1./(1.-probability)
// in double, stored as a float); the CPU and CUDA layers both take them here.
template <std::uint32_t PROBABILITY_BITS>
float dropout_probability() {
  const std::uint32_t bits = PROBABILITY_BITS;
  float p;
  std::memcpy(&p, &bits, sizeof p);
  return p;
}
template <std::uint32_t PROBABILITY_BITS>
float dropout_scale() {
  return static_cast<float>(1. / (1. - static_cast<double>(dropout_probability<PROBABILITY_BITS>())));
}

template <int IN, int OUT, std::uint32_t PROBABILITY_BITS, int STEPS, int STREAMS, class Backend = Cpu>
struct Dropout {
  static_assert(IN == OUT, "a dropout has as many outputs as inputs");
  static constexpr int kIn = IN, kOut = OUT, kSublayers = 0;

  static float probability() { return dropout_probability<PROBABILITY_BITS>(); }
  static float scale() { return dropout_scale<PROBABILITY_BITS>(); }

  Dropout(const std::string&, bool) : p_(probability()), scale_(scale()) {}
  std::vector<DenseParams*> in_file_order() { return {}; }
  std::vector<DenseParams*> in_build_order() { return {}; }

  // ---- One character: the identity ----
  real y[OUT] = {};
  void reset_state() {}
  void identity(const real* x) { std::copy(x, x + IN, y); }

  // ---- n samples at once: buffers are [features][n] ----
  std::vector<real> yb;
  int n = 0;
  void reset_batch(int samples) {
    n = samples;
    yb.assign(size_t(OUT) * n, real(0));
  }
  void identity_batch(const real* X) { std::copy(X, X + size_t(IN) * n, yb.begin()); }

  // ---- Training over STEPS x STREAMS rows ----
  struct Train {
    static constexpr int rows = STEPS * STREAMS;
    std::vector<float> r;        // the numbers drawn, one per element (darknet's l.rand)
    std::vector<real> y, delta;  // delta: -dL/dy, filled by the next layer
    bool drawn = false;          // r holds a draw (a frozen forward reuses it)
    Train() : r(size_t(rows) * IN), y(size_t(rows) * OUT), delta(size_t(rows) * OUT) {}
  };
  std::unique_ptr<Train> t;
  train::Noise* noise = nullptr;
  void train_begin(train::Noise& nz) {
    noise = &nz;
    t.reset(new Train());
  }
  const real* train_output() const { return t->y.data(); }
  real* delta() { return t->delta.data(); }
  void clear_delta() { std::fill(t->delta.begin(), t->delta.end(), real(0)); }

  // Draws (unless frozen after a draw), then masks and scales.
  void forward(const real* x) {
    Train& L = *t;
    const size_t count = L.r.size();
    if (!noise->frozen || !L.drawn) {
      if (!noise->rng) fail("internal error: a [dropout] layer was given no training generator");
      for (size_t i = 0; i < count; ++i) L.r[i] = noise->rng->uniform(0, 1);
      L.drawn = true;
    }
    const real s = static_cast<real>(scale_);
    for (size_t i = 0; i < count; ++i) L.y[i] = L.r[i] < p_ ? real(0) : x[i] * s;
  }
  // Adds -dL/dx into dx: delta * scale where the element was kept, nothing where dropped.
  void backward(const real*, real* dx) {
    const Train& L = *t;
    const real s = static_cast<real>(scale_);
    const size_t count = L.r.size();
    for (size_t i = 0; i < count; ++i)
      if (!(L.r[i] < p_)) dx[i] += L.delta[i] * s;
  }

 private:
  float p_, scale_;
};

}  // namespace rnnc::layers
