// The bf16 training products (runtime/rnnc/gemm_bf16.h) against a plain
// double-precision loop over bf16-rounded operands: this build's kernel
// (vdpbf16ps with AVX512-BF16) and the portable reference, in the shapes
// training uses, transposed A too. Then one dense sub-layer's forward and
// backward in bf16 against fp32 from the same weights.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "rnnc/dense/train.h"
#include "rnnc/gemm_bf16.h"
#include "rnnc/random.h"

using namespace rnnc;

namespace {

std::vector<real> random_matrix(size_t n, GlibcRandom& g) {
  std::vector<real> m(n);
  for (auto& x : m) x = static_cast<real>(g.uniform(-1, 1));
  return m;
}

// C (+)= A B in double, each operand rounded to bf16 first when `round`;
// bound[i][j] = sum_k |A(i, k) B(k, j)|, the scale of the summation's error.
void plain_product(int M, int N, int K, const real* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, bool round,
                   const std::vector<real>& C0, bool accumulate, std::vector<double>& C, std::vector<double>& bound) {
  C.assign(size_t(M) * N, 0);
  bound.assign(C.size(), 0);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = accumulate ? double(C0[size_t(i) * N + j]) : 0, b = std::fabs(s);
      for (int k = 0; k < K; ++k) {
        real a = A[i * ai + k * ak], x = B[size_t(k) * N + j];
        if (round) a = round_bf16(a), x = round_bf16(x);
        s += double(a) * double(x);
        b += std::fabs(double(a) * double(x));
      }
      C[size_t(i) * N + j] = s;
      bound[size_t(i) * N + j] = b;
    }
}

// Elements of `got` off `want` by more than 1e-6 of their bound: the fp32
// sums' rounding stays well inside it, a product of unrounded operands
// (an error near 2^-9 per product) does not.
int count_off(const std::vector<real>& got, const std::vector<double>& want, const std::vector<double>& bound) {
  int off = 0;
  for (size_t e = 0; e < got.size(); ++e)
    if (std::fabs(double(got[e]) - want[e]) > 1e-6 * bound[e] + 1e-30) ++off;
  return off;
}

struct Shape {
  int M, N, K;
};

// Edges of every kind (rows short of a block, columns short of a panel, odd
// K), the recurrent step of a 512-wide [lstm] (32 streams), a whole
// sequence's input product, and a transposed product's K of a batch.
const Shape kShapes[] = {{1, 1, 1},     {7, 5, 3},       {37, 70, 45},   {9, 33, 200},
                         {32, 512, 512}, {130, 160, 97}, {256, 96, 64}, {64, 256, 1024}};

}  // namespace

TEST_CASE("bf16 products equal a plain loop over bf16-rounded operands") {
  GlibcRandom g(23);
  for (Shape s : kShapes) {
    CAPTURE(s.M);
    CAPTURE(s.N);
    CAPTURE(s.K);
    std::vector<real> A = random_matrix(size_t(s.M) * s.K, g), B = random_matrix(size_t(s.K) * s.N, g);
    std::vector<real> C0 = random_matrix(size_t(s.M) * s.N, g);
    std::vector<double> want, bound, unrounded, ubound;
    // B as a weight matrix packed once: B(k, n) = B[k * N + n].
    Bf16Operand packed, rounded;
    pack_bf16_operand(s.K, s.N, B.data(), s.N, 1, packed);
    round_bf16_matrix(s.K, s.N, B.data(), s.N, 1, rounded);

    for (bool acc : {false, true}) {
      CAPTURE(acc);
      plain_product(s.M, s.N, s.K, A.data(), s.K, 1, B.data(), true, C0, acc, want, bound);
      std::vector<real> fast = C0, ref = C0;
      bf16_gemm_nn(s.M, s.N, s.K, A.data(), packed, fast.data(), acc);
      bf16_gemm_reference(s.M, s.N, s.K, A.data(), s.K, 1, rounded.rounded.data(), ref.data(), acc);
      CHECK(count_off(fast, want, bound) == 0);
      CHECK(count_off(ref, want, bound) == 0);
      // The check can fail: fp32 operands miss it wherever K is more than a few products.
      if (s.K >= 16) {
        plain_product(s.M, s.N, s.K, A.data(), s.K, 1, B.data(), false, C0, acc, unrounded, ubound);
        std::vector<real> fp32(unrounded.begin(), unrounded.end());
        CHECK(count_off(fp32, want, bound) > int(fp32.size() / 2));
      }
    }

    // A read transposed ([K][M], a delta matrix), accumulating: the weight gradient.
    std::vector<real> At = random_matrix(size_t(s.K) * s.M, g);
    plain_product(s.M, s.N, s.K, At.data(), 1, s.M, B.data(), true, C0, true, want, bound);
    std::vector<real> fast = C0, ref = C0;
    bf16_gemm_tn_acc(s.M, s.N, s.K, At.data(), B.data(), fast.data());
    bf16_gemm_reference(s.M, s.N, s.K, At.data(), 1, s.M, rounded.rounded.data(), ref.data(), true);
    CHECK(count_off(fast, want, bound) == 0);
    CHECK(count_off(ref, want, bound) == 0);
  }
}

TEST_CASE("the bf16 operand packs a weight matrix and its transpose alike") {
  // W [3][5] read as W^T (B(k, n) = W[n][k]) and as W: the pairs run along k either way.
  GlibcRandom g(5);
  std::vector<real> W = random_matrix(15, g);
  Bf16Operand t, n;
  pack_bf16_pairs(5, 3, W.data(), 1, 5, t);
  pack_bf16_pairs(3, 5, W.data(), 5, 1, n);
  CHECK(t.NP == kBf16Cols);
  CHECK(t.pairs.size() == size_t(3) * kBf16Cols);  // K = 5: three pairs, the last half zero
  auto half = [](const Bf16Operand& o, int k, int c) { return uint16_t(o.pairs[size_t(k / 2) * o.NP + c] >> (16 * (k % 2))); };
  for (int k = 0; k < 5; ++k)
    for (int c = 0; c < 3; ++c) CHECK(half(t, k, c) == to_bf16(W[c * 5 + k]));
  CHECK(half(t, 5, 0) == 0);
  CHECK(half(t, 0, 3) == 0);  // columns past N: zero
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 5; ++c) CHECK(half(n, k, c) == to_bf16(W[k * 5 + c]));
  CHECK(half(n, 3, 0) == 0);
}

TEST_CASE("one dense sub-layer's batch in bf16 stays within 1e-2 of fp32") {
  // Forward (x W^T), batch norm, backward: weight, bias and scale updates
  // and -dL/dx, from the same weights and data in both precisions. A smooth
  // activation: at a kink (leaky), a pre-activation that bf16 moves across
  // zero changes its gradient by 90%, which is no error of the products.
  constexpr int kRows = 128, kIn = 96, kOut = 80, kGroup = 32;
  GlibcRandom g(31);
  DenseParams p0("dense", kIn, kOut, true);
  for (auto& w : p0.weights) w = static_cast<real>(g.uniform(-.3, .3));
  for (int j = 0; j < kOut; ++j) p0.scales[j] = static_cast<real>(g.uniform(.5, 1.5));
  p0.weight_updates.assign(p0.weights.size(), 0);
  p0.bias_updates.assign(kOut, 0);
  p0.scale_updates.assign(kOut, 0);
  std::vector<real> x = random_matrix(size_t(kRows) * kIn, g), delta0 = random_matrix(size_t(kRows) * kOut, g);

  auto run = [&](TrainPrecision precision, DenseParams& p, std::vector<real>& dx) {
    train_precision() = precision;
    train::DenseScratch s;
    train::DenseCache c(kRows, kGroup, kOut, true);
    std::vector<real> delta = delta0;
    s.refresh(p);
    train::dense_train_forward<Act::Logistic>(p, s, c, 0, kRows, x.data());
    dx.assign(x.size(), 0);
    train::dense_train_backward<Act::Logistic>(p, s, c, 0, kRows, delta.data(), x.data(), dx.data());
    train_precision() = TrainPrecision::Fp32;
  };
  DenseParams pf = p0, pb = p0;
  std::vector<real> dxf, dxb;
  run(TrainPrecision::Fp32, pf, dxf);
  run(TrainPrecision::Bf16, pb, dxb);

  // Each element against its tensor's scale (an element near zero has no relative error to speak of).
  auto close = [](const std::vector<real>& got, const std::vector<real>& want) {
    double scale = 0, worst = 0;
    for (real v : want) scale = std::max(scale, double(std::fabs(v)));
    for (size_t e = 0; e < want.size(); ++e) worst = std::max(worst, std::fabs(double(got[e]) - double(want[e])));
    CHECK(scale > 0);
    CHECK(worst <= 1e-2 * scale);
    return worst / scale;
  };
  CHECK(close(pb.weight_updates, pf.weight_updates) > 0);  // bf16 did run: not the fp32 numbers
  close(pb.bias_updates, pf.bias_updates);
  close(pb.scale_updates, pf.scale_updates);
  close(pb.rolling_mean, pf.rolling_mean);
  close(dxb, dxf);
}
