#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

#include <memory>

#include "rnnc/dense/batch.h"
#include "rnnc/layers/connected.h"
#include "rnnc/layers/gru.h"
#include "rnnc/layers/lstm.h"
#include "rnnc/layers/rnn.h"
#include "rnnc/layers/softmax.h"
#include "rnnc/random.h"

using namespace rnnc;

namespace {

void randomise(DenseParams& p, GlibcRandom& g) {
  for (auto& w : p.weights) w = g.uniform(-.5, .5);
  for (auto& b : p.biases) b = g.uniform(-.5, .5);
  if (p.batch_norm)
    for (int j = 0; j < p.out; ++j) {
      p.scales[j] = g.uniform(.5, 1.5);
      p.rolling_mean[j] = g.uniform(-.5, .5);
      p.rolling_variance[j] = g.uniform(.25, 2);
    }
}

void check_close(const real* a, const real* b, int n, double rel = 1e-5) {
  for (int i = 0; i < n; ++i) {
    CAPTURE(i);
    CHECK(std::fabs(a[i] - b[i]) <= rel * std::max({1.0, std::fabs(double(a[i])), std::fabs(double(b[i]))}));
  }
}

// Two layers with the same parameters: one runs the plain reference ops,
// the other the fast ones.
template <class L>
void same_params(L& from, L& to) {
  auto a = from.in_file_order(), b = to.in_file_order();
  for (size_t i = 0; i < a.size(); ++i) *b[i] = *a[i];
}

template <class L>
void randomise_layer(L& l, GlibcRandom& g) {
  for (DenseParams* p : l.in_file_order()) randomise(*p, g);
}

template <Act A, bool BN, bool SHORTCUT>
void check_rnn_step() {
  constexpr int IN = 40, H = 24;
  GlibcRandom g(17);
  layers::Rnn<IN, H, A, SHORTCUT, 1, 1> ref("r", BN), fused("r", BN);
  randomise_layer(ref, g);
  same_params(ref, fused);
  fused.prepare_step_fused(false);
  fused.prepare_dense_folded(false);
  for (auto& v : ref.h) v = g.uniform(-1, 1);
  std::copy(std::begin(ref.h), std::end(ref.h), fused.h);
  std::vector<real> x(IN);
  for (int step = 0; step < 5; ++step) {
    for (auto& v : x) v = g.uniform(-1, 1);
    ref.step(x.data());
    ref.dense();
    fused.step_fused(x.data());
    fused.dense_folded();
    check_close(ref.h, fused.h, H);
    check_close(ref.y, fused.y, H);
  }
}

// [lstm] and [gru]: the fused kernel against darknet's order of operations,
// reading x or (gathered) a character.
template <class L>
void check_gated_step(bool bn, bool gather) {
  GlibcRandom g(bn ? 31 : 32);
  L ref("g", bn), fused("g", bn);
  randomise_layer(ref, g);
  same_params(ref, fused);
  fused.prepare_step_fused(gather);
  std::vector<real> x(L::kIn);
  for (int step = 0; step < 5; ++step) {
    const int c = (step * 7 + 3) % L::kIn;
    for (auto& v : x) v = gather ? real(0) : real(g.uniform(-1, 1));
    if (gather) x[c] = 1;
    ref.step(x.data());
    ref.copy();
    if (gather)
      fused.step_fused(c);
    else
      fused.step_fused(x.data());
    fused.copy();
    check_close(ref.h, fused.h, L::kOut);
    check_close(ref.y, fused.y, L::kOut);
  }
}

}  // namespace

TEST_CASE("fused rnn step matches the plain reference") {
  check_rnn_step<Act::Leaky, true, false>();
  check_rnn_step<Act::Leaky, false, true>();
  check_rnn_step<Act::Tanh, true, true>();
  check_rnn_step<Act::Logistic, false, false>();
  check_rnn_step<Act::Relu, true, false>();
}

TEST_CASE("fused lstm and gru steps match the plain reference") {
  // The input sub-layers read the layer's input, the recurrent ones its state.
  layers::Lstm<40, 24, 1, 1> lstm("lstm0", false);
  CHECK((lstm.ui.in == 40 && lstm.ui.out == 24 && lstm.wi.in == 24 && lstm.wi.out == 24));
  layers::Gru<40, 24, true, 1, 1> gru("gru0", false);
  CHECK((gru.uh.in == 40 && gru.wh.in == 24 && gru.wh.name == "gru0.wh"));
  for (bool bn : {false, true})
    for (bool gather : {false, true}) {
      CAPTURE(bn);
      CAPTURE(gather);
      check_gated_step<layers::Lstm<40, 24, 1, 1>>(bn, gather);
      check_gated_step<layers::Gru<40, 24, true, 1, 1>>(bn, gather);
      check_gated_step<layers::Gru<40, 24, false, 1, 1>>(bn, gather);
    }
}

TEST_CASE("gathered one-hot projection equals the product with a one-hot vector") {
  constexpr int IN = 40, H = 24;
  GlibcRandom g(5);
  for (bool bn : {false, true}) {
    layers::Rnn<IN, H, Act::Leaky, false, 1, 1> ref("r", bn), gathered("r", bn);
    randomise_layer(ref, g);
    same_params(ref, gathered);
    gathered.prepare_step_fused(true);
    for (int c : {3, 0, 39, 7, 7}) {
      std::vector<real> onehot(IN, 0);
      onehot[c] = 1;
      ref.step(onehot.data());
      gathered.step_fused(c);
      check_close(ref.h, gathered.h, H);
    }
    // the connected layer's gather
    layers::Connected<IN, H, Act::Linear, 1, 1> dense("d", bn), gather("d", bn);
    randomise_layer(dense, g);
    same_params(dense, gather);
    gather.prepare_dense_folded(true);
    std::vector<real> onehot(IN, 0);
    onehot[11] = 1;
    dense.dense(onehot.data());
    gather.dense_folded(11);
    check_close(dense.y, gather.y, H);
  }
}

TEST_CASE("fused dense forward (folded batch norm) matches the plain twin") {
  constexpr int IN = 100, OUT = 37;
  GlibcRandom g(8);
  for (bool bn : {false, true}) {
    layers::Connected<IN, OUT, Act::Elu, 1, 1> ref("d", bn), folded("d", bn);
    randomise_layer(ref, g);
    same_params(ref, folded);
    folded.prepare_dense_folded(false);
    std::vector<real> x(IN);
    for (auto& v : x) v = g.uniform(-1, 1);
    ref.dense(x.data());
    folded.dense_folded(x.data());
    check_close(ref.y, folded.y, OUT);
  }
}

TEST_CASE("batch kernels (generate -n) match the one-sample kernels") {
  constexpr int IN = 64, H = 32, N = 5;
  GlibcRandom g(21);
  using Rnn = layers::Rnn<IN, H, Act::Leaky, false, 1, 1>;
  Rnn batch("r", true);
  randomise_layer(batch, g);
  batch.prepare_step_fused(true);
  batch.prepare_dense_folded(false);
  batch.reset_batch(N);
  std::vector<std::unique_ptr<Rnn>> one;
  for (int s = 0; s < N; ++s) {
    one.emplace_back(new Rnn("r", true));
    same_params(batch, *one.back());
    one.back()->prepare_step_fused(true);
    one.back()->prepare_dense_folded(false);
  }
  rnnc::Symbol c[N] = {1, 5, 9, 63, 0};
  for (int step = 0; step < 3; ++step) {
    batch.step_fused_batch(c);
    batch.dense_folded_batch();
    for (int s = 0; s < N; ++s) {
      one[s]->step_fused(int(c[s]));
      one[s]->dense_folded();
      std::vector<real> col(H);
      for (int j = 0; j < H; ++j) col[j] = batch.yb[size_t(j) * N + s];
      check_close(one[s]->y, col.data(), H);
    }
    for (auto& ch : c) ch = static_cast<rnnc::Symbol>((ch * 7 + 3) % IN);
  }
}

TEST_CASE("softmax with temperature and groups sums to 1 per group") {
  std::vector<real> x(12), y(12);
  for (int i = 0; i < 12; ++i) x[i] = real(i) * .3f - 1;
  layers::Softmax<12, 12, 3, 1, 1> groups3("s", false);
  layers::Softmax<12, 12, 1, 1, 1> one("s", false);
  groups3.softmax(x.data(), .7f);
  std::copy(std::begin(groups3.y), std::end(groups3.y), y.begin());
  for (int g = 0; g < 3; ++g) {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += y[g * 4 + i];
    CHECK(s == doctest::Approx(1.0).epsilon(1e-6));
  }
  // a lower temperature sharpens
  std::vector<real> hot(12), cold(12);
  one.softmax(x.data(), 2.f);
  std::copy(std::begin(one.y), std::end(one.y), hot.begin());
  one.softmax(x.data(), .5f);
  std::copy(std::begin(one.y), std::end(one.y), cold.begin());
  CHECK(cold[11] > hot[11]);
}

TEST_CASE("bf16 conversion rounds to nearest even") {
  CHECK(from_bf16(to_bf16(1.0f)) == 1.0f);
  CHECK(from_bf16(to_bf16(-2.5f)) == -2.5f);
  float x = 1.0f + 1.0f / 256;  // halfway between two bf16 values: rounds to even (1.0)
  CHECK(from_bf16(to_bf16(x)) == 1.0f);
  float y = 1.0f + 3.0f / 256;  // halfway, rounds up to the even 1 + 4/256
  CHECK(from_bf16(to_bf16(y)) == 1.0f + 4.0f / 256);
}

namespace {

// Row j of bf16 weights times x, in double: the plain twin of the bf16 kernels.
template <int N>
void check_bf16_rows(int rows, int j0, GlibcRandom& g) {
  InferenceDense d;
  d.w_bf16.resize(size_t(rows) * N);
  for (auto& w : d.w_bf16) w = to_bf16(g.uniform(-1, 1));
  std::vector<real> x(N), out(rows);
  for (auto& v : x) v = g.uniform(-1, 1);
  rows_dot<N>(d, j0, rows, x.data(), out.data());
  // vdpbf16ps (AVX512-BF16) rounds x to bf16 too: 2^-8 of each product.
#if defined(__AVX512BF16__)
  const double tol = N % 32 == 0 ? 5e-3 : 1e-5;
#else
  const double tol = 1e-5;
#endif
  for (int j = j0; j < rows; ++j) {
    double s = 0, mag = 0;
    for (int k = 0; k < N; ++k) {
      double p = double(from_bf16(d.w_bf16[size_t(j) * N + k])) * x[k];
      s += p;
      mag += std::fabs(p);
    }
    CAPTURE(N);
    CAPTURE(j);
    CHECK(std::fabs(out[j - j0] - s) <= tol * mag);
  }
}

}  // namespace

TEST_CASE("bf16 weights: rows_dot matches the product with the widened weights") {
  GlibcRandom g(33);
  check_bf16_rows<64>(13, 0, g);   // blocks of four rows and a tail
  check_bf16_rows<64>(13, 3, g);   // a thread's share starting mid-matrix
  check_bf16_rows<48>(9, 1, g);    // 16 but not 32 a row
  check_bf16_rows<40>(6, 0, g);    // neither: the portable rows
  check_bf16_rows<1024>(8, 0, g);  // cfg/rnn.cfg's rows
}

TEST_CASE("bf16 weights in batches (generate -n): the product equals fp32 with the widened weights") {
  constexpr int IN = 64, OUT = 56;
  GlibcRandom g(41);
  for (int n : {5, 32, 37})
    for (bool panels : {false, true}) {
      InferenceDense d16, d32;
      for (int i = 0; i < IN * OUT; ++i) {
        d16.w_bf16.push_back(to_bf16(g.uniform(-1, 1)));
        d32.w.push_back(from_bf16(d16.w_bf16.back()));
      }
      d16.b.assign(OUT, 0);
      d32.b.assign(OUT, 0);
      if (panels) {  // generate -n's layout (reset_batch): widened a block at a time, or once from n = 16
        prepare_batch_weights(d16, n);
        prepare_batch_weights(d32, n);
        if (kBatchPanels) CHECK(d16.panels.empty() == (n < kWidenBf16OnceFrom));
        if (kBatchPanels) CHECK(d16.panels_bf16.empty() == (n >= kWidenBf16OnceFrom));
      }
      std::vector<real> X(size_t(IN) * n), Z16(size_t(OUT) * n), Z32(size_t(OUT) * n);
      for (auto& v : X) v = g.uniform(-1, 1);
      batch_product<IN, OUT>(d16, X.data(), Z16.data(), n);
      batch_product<IN, OUT>(d32, X.data(), Z32.data(), n);
      CAPTURE(n);
      CAPTURE(panels);
      CHECK(Z16 == Z32);  // the same sums in the same order
    }
}

// The batch product from weight panels (generate -n, fp32) against the same
// product over row-major weights and a plain double-precision loop.
template <int IN, int OUT>
void check_panel_product(int n, GlibcRandom& g) {
  InferenceDense rows, panels;
  for (int i = 0; i < IN * OUT; ++i) rows.w.push_back(g.uniform(-1, 1));
  rows.b.assign(OUT, 0);
  panels = rows;
  prepare_batch_weights(panels, n);
  if (kBatchPanels) REQUIRE(panels.panels.size() >= rows.w.size());
  std::vector<real> X(static_cast<size_t>(IN) * n), Zrows(static_cast<size_t>(OUT) * n), Zpanels(Zrows.size());
  for (auto& v : X) v = g.uniform(-1, 1);
  batch_product<IN, OUT>(rows, X.data(), Zrows.data(), n);
  batch_product<IN, OUT>(panels, X.data(), Zpanels.data(), n);
  INFO("IN ", IN, ", OUT ", OUT, ", n ", n);
  CHECK(Zpanels == Zrows);  // the same sums in the same order
  for (int i = 0; i < OUT; ++i)
    for (int s = 0; s < n; ++s) {
      double sum = 0;
      for (int k = 0; k < IN; ++k) sum += double(rows.w[size_t(i) * IN + k]) * X[size_t(k) * n + s];
      CHECK(Zpanels[size_t(i) * n + s] == doctest::Approx(sum).epsilon(1e-4));
    }
}

TEST_CASE("batch product from weight panels equals the row-major product") {
  GlibcRandom g(57);
  check_panel_product<64, 56>(5, g);     // fewer samples than a register block; a short last block of rows
  check_panel_product<64, 56>(21, g);    // a register block and left-over columns
  check_panel_product<64, 48>(32, g);    // whole blocks only
  check_panel_product<256, 100>(16, g);  // big enough for the threads: blocks of 48 rows, claimed as they come
}

TEST_CASE("transpose: tiled (and threaded from 256 K elements) equals the element-wise definition") {
  GlibcRandom g(7);
  for (const auto& shape : {std::pair{1, 1}, {3, 70}, {70, 3}, {33, 65}, {256, 1024}, {1024, 1023}}) {
    const int rows = shape.first, cols = shape.second;  // not a structured binding: CAPTURE takes it in a lambda
    std::vector<real> W(size_t(rows) * cols), WT(W.size(), real(-1));
    for (auto& v : W) v = g.uniform(-1, 1);
    transpose(rows, cols, W.data(), WT.data());
    bool same = true;
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) same &= WT[size_t(j) * rows + i] == W[size_t(i) * cols + j];
    CAPTURE(rows);
    CAPTURE(cols);
    CHECK(same);
  }
}
