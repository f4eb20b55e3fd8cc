// -precision int8 (dense/int8.h): the quantisation, and each instruction
// set's integer kernels against plain loops. The sums are exact, so the
// kernels must give the plain loops' integers and floats bit for bit. This
// file is also built for x86-64-v3 (AVX2), x86-64-v3 with AVX-VNNI and
// plain x86-64 (tests/CMakeLists.txt), so that one host checks every path.
#include <cpuid.h>
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "rnnc/dense/batch.h"
#include "rnnc/model.h"
#include "rnnc/random.h"

using namespace rnnc;

namespace {

const char* isa_name() {
  switch (kInt8Isa) {
    case Int8Isa::Avx512Vnni: return "AVX512-VNNI";
    case Int8Isa::AvxVnni: return "AVX-VNNI";
    case Int8Isa::Avx2: return "AVX2";
    case Int8Isa::Portable: return "portable";
  }
  return "?";
}

// Whether this host runs the instructions this file was built for (the
// extra builds run everywhere the test suite does, AVX-VNNI's included).
bool host_runs_build() {
#if defined(__AVX512VNNI__)
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bw")) return false;
#endif
#if defined(__AVXVNNI__)
  // CPUID leaf 7, sub-leaf 1, EAX bit 4 (Clang 14's __builtin_cpu_supports does not know "avxvnni").
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  if (a < 1) return false;
  __cpuid_count(7, 1, a, b, c, d);
  if (!(a & (1u << 4))) return false;
#endif
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
#endif
  return true;
}
#define SKIP_UNLESS_HOST_RUNS_BUILD()                                     \
  do {                                                                    \
    if (!host_runs_build()) {                                             \
      MESSAGE("skipped: this host lacks " << std::string(isa_name()) << "'s instructions"); \
      return;                                                             \
    }                                                                     \
  } while (0)

// The plain twin of quantise_vector: every element the same way.
std::vector<int8_t> plain_quantise(const std::vector<real>& x, float& scale) {
  float m = 0;
  for (real v : x) m = std::max(m, std::fabs(float(v)));
  const Int8Scale s(m);
  scale = s.scale;
  std::vector<int8_t> q;
  for (real v : x) q.push_back(quantise_one(float(v), s.inv));
  return q;
}

// Weights of `out` rows of `in`, quantised; row 2 all zeros when there is one.
Int8Weights random_weights(int out, int in, GlibcRandom& g, std::vector<real>& w) {
  w.resize(size_t(out) * in);
  for (auto& v : w) v = g.uniform(-1, 1);
  if (out > 2)
    for (int k = 0; k < in; ++k) w[size_t(2) * in + k] = 0;
  return quantise_rows(w.data(), out, in);
}

// Exact sum of row j's bytes times xq.
int64_t plain_sum(const Int8Weights& w, int in, int j, const std::vector<int8_t>& xq) {
  int64_t s = 0;
  for (int k = 0; k < in; ++k) s += int64_t(w.q[size_t(j) * int8_stride(in) + k]) * xq[k];
  return s;
}

template <int N>
void check_rows_dot(int out, int j0, GlibcRandom& g) {
  std::vector<real> wf;
  InferenceDense d;
  d.w_int8 = random_weights(out, N, g, wf);
  std::vector<real> x(N), got(out);
  for (auto& v : x) v = g.uniform(-3, 3);
  rows_dot<N>(d, j0, out, x.data(), got.data());
  float sx;
  const std::vector<int8_t> xq = plain_quantise(x, sx);
  for (int j = j0; j < out; ++j) {
    CAPTURE(N);
    CAPTURE(j);
    const int64_t s = plain_sum(d.w_int8, N, j, xq);
    CHECK(got[j - j0] == real(float(s) * (d.w_int8.scale[j] * sx)));
    // and near the fp32 product: each factor within half a step of its own
    double exact = 0, mag = 0;
    for (int k = 0; k < N; ++k) {
      exact += double(wf[size_t(j) * N + k]) * x[k];
      mag += std::fabs(double(wf[size_t(j) * N + k]) * x[k]);
    }
    CHECK(std::fabs(got[j - j0] - exact) <= 0.02 * mag + 1e-6);
  }
}

}  // namespace

TEST_CASE("int8: rows quantise symmetrically, one scale a row") {
  GlibcRandom g(5);
  constexpr int OUT = 7, IN = 70;
  std::vector<real> w;
  const Int8Weights q = random_weights(OUT, IN, g, w);
  CHECK(q.q.size() == size_t(int8_stored_rows(OUT)) * int8_stride(IN));
  for (int j = 0; j < OUT; ++j) {
    double m = 0;
    int32_t sum = 0, top = 0;
    for (int k = 0; k < IN; ++k) m = std::max(m, std::fabs(double(w[size_t(j) * IN + k])));
    for (int k = 0; k < int8_stride(IN); ++k) {
      const int v = q.q[size_t(j) * int8_stride(IN) + k];
      if (k >= IN) {
        CHECK(v == 0);  // padding
        continue;
      }
      sum += v;
      top = std::max(top, std::abs(v));
      CHECK(std::fabs(v * double(q.scale[j]) - w[size_t(j) * IN + k]) <= q.scale[j] * (0.5 + 1e-5));
    }
    CHECK(q.offset[j] == 128 * sum);
    if (j == 2) {
      CHECK(q.scale[j] == 0);
      CHECK(top == 0);
    } else {
      CHECK(q.scale[j] == doctest::Approx(m / 127));
      CHECK(top == 127);
    }
  }
}

TEST_CASE("int8: a vector quantises to the plain loop's bytes") {
  SKIP_UNLESS_HOST_RUNS_BUILD();
  GlibcRandom g(7);
  auto check = [&](auto n_c, float range) {
    constexpr int N = decltype(n_c)::value, LD = int8_stride(N);
    std::vector<real> x(N);
    for (auto& v : x) v = g.uniform(-range, range);
    int8_t q[LD];
    const float s = quantise_vector<N, LD>(x.data(), q);
    float ps;
    const std::vector<int8_t> pq = plain_quantise(x, ps);
    CAPTURE(N);
    CHECK(s == ps);
    for (int k = 0; k < N; ++k) CHECK(q[k] == pq[k]);
    for (int k = N; k < LD; ++k) CHECK(q[k] == 0);
  };
  check(std::integral_constant<int, 1024>(), 4);
  check(std::integral_constant<int, 40>(), 1);  // a tail past whole registers
  check(std::integral_constant<int, 7>(), 1);
  check(std::integral_constant<int, 64>(), 0);  // all zeros: scale 0, bytes 0
}

TEST_CASE("int8: the row kernels' sums are exact, at the byte limits too") {
  SKIP_UNLESS_HOST_RUNS_BUILD();
  MESSAGE("int8 kernels: " << std::string(isa_name()));
  constexpr int LD = 128, ROWS = 7;  // blocks of four rows and a tail
  GlibcRandom g(9);
  for (int pattern = 0; pattern < 4; ++pattern) {
    std::vector<int8_t> w(size_t(ROWS) * LD), xq(LD);
    for (int k = 0; k < LD; ++k) {
      // 0: random; 1: all +-127 of one sign (the largest pair sums, where a
      // saturating int16 step would show); 2: opposite signs; 3: x zero
      const int r = int(g.uniform(-127.99, 127.99));
      xq[k] = int8_t(pattern == 0 ? r : pattern == 3 ? 0 : 127);
    }
    std::vector<int32_t> offset(ROWS);
    for (int j = 0; j < ROWS; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < LD; ++k) {
        const int r = int(g.uniform(-127.99, 127.99));
        w[size_t(j) * LD + k] = int8_t(pattern == 0 || pattern == 3 ? r : pattern == 1 ? 127 : -127);
        sum += w[size_t(j) * LD + k];
      }
      offset[j] = 128 * sum;
    }
    std::vector<int32_t> got(ROWS);
    int8_row_sums<LD>(w.data(), offset.data(), ROWS, xq.data(), got.data());
    for (int j = 0; j < ROWS; ++j) {
      int32_t s = 0;
      for (int k = 0; k < LD; ++k) s += int32_t(w[size_t(j) * LD + k]) * xq[k];
      CAPTURE(pattern);
      CAPTURE(j);
      CHECK(got[j] == s);
    }
  }
}

TEST_CASE("int8 weights: rows_dot equals the exact sums, scaled, and is near fp32") {
  SKIP_UNLESS_HOST_RUNS_BUILD();
  GlibcRandom g(11);
  check_rows_dot<64>(13, 0, g);
  check_rows_dot<64>(13, 3, g);    // a thread's share starting mid-matrix
  check_rows_dot<70>(9, 1, g);     // rows padded to a line
  check_rows_dot<1024>(70, 0, g);  // cfg/rnn.cfg's rows, more than one chunk of 64
}

TEST_CASE("int8 weights in batches (generate -n): each sample's column equals rows_dot's") {
  SKIP_UNLESS_HOST_RUNS_BUILD();
  constexpr int IN = 70, OUT = 13;  // neither a whole line nor a whole block of rows
  GlibcRandom g(13);
  std::vector<real> wf;
  InferenceDense d;
  d.w_int8 = random_weights(OUT, IN, g, wf);
  d.b.assign(OUT, 0);
  for (int n : {1, 5, 16, 17, 32, 37}) {
    std::vector<real> X(size_t(IN) * n), Z(size_t(OUT) * n, -1), Zr(size_t(OUT) * n, -1);
    for (auto& v : X) v = g.uniform(-2, 2);
    for (int k = 0; k < IN; ++k) X[size_t(k) * n] = 0;  // sample 0 all zeros: scale 0
    if (n > 1) X[1] = 100;                              // one large value in sample 1
    CHECK(uses_whole_product(d));
    batch_product<IN, OUT>(d, X.data(), Z.data(), n);
    batch_product_rows<IN>(d, X.data(), Zr.data(), n, 3, OUT);  // a share from mid-matrix
    for (int s = 0; s < n; ++s) {
      std::vector<real> x(IN), y(OUT);
      for (int k = 0; k < IN; ++k) x[k] = X[size_t(k) * n + s];
      rows_dot<IN>(d, 0, OUT, x.data(), y.data());
      for (int j = 0; j < OUT; ++j) {
        CAPTURE(n);
        CAPTURE(s);
        CAPTURE(j);
        CHECK(Z[size_t(j) * n + s] == y[j]);
        if (j >= 3) CHECK(Zr[size_t(j) * n + s] == y[j]);
      }
    }
    for (int s = 0; s < n; ++s)
      for (int j = 0; j < 3; ++j) CHECK(Zr[size_t(j) * n + s] == -1);  // rows outside the share untouched
  }
}

TEST_CASE("int8 leaves gathered rows (a one-hot input) in fp32") {
  const Precision before = weight_precision();
  weight_precision() = Precision::Int8;
  DenseParams p("t", 8, 16, false);
  GlibcRandom g(15);
  for (auto& w : p.weights) w = g.uniform(-1, 1);
  const InferenceDense gathered = prepare_gather(p);
  const InferenceDense product = prepare_dense(p);
  weight_precision() = before;
  CHECK(gathered.w_int8.empty());
  CHECK(gathered.w.size() == size_t(8 * 16));
  CHECK(!product.w_int8.empty());
  CHECK(product.w.empty());
}

TEST_CASE("the model line says int8, and that gathered rows stay fp32") {
  ModelInfo info{};
  info.sublayers = 4;
  info.bf16_sublayers = 4;
  const Precision before = weight_precision();
  weight_precision() = Precision::Int8;
  CHECK(precision_in_use(info) == "int8 (one-hot input rows fp32)");
  info.bf16_sublayers = 1;
  CHECK(precision_in_use(info) == "int8 in 1 of 4 sub-layers, fp32 in the rest (one-hot input rows fp32)");
  info.bf16_sublayers = 0;
  CHECK(precision_in_use(info).rfind("fp32 (-precision int8 ignored", 0) == 0);
  weight_precision() = before;
}

TEST_CASE("int8 leaves rows too wide for exact int32 sums in fp32") {
  constexpr int IN = kInt8MaxIn + 1;
  const Precision before = weight_precision();
  weight_precision() = Precision::Int8;
  DenseParams p("wide", IN, 2, false);
  for (auto& w : p.weights) w = 1;
  const InferenceDense d = prepare_dense(p);
  weight_precision() = before;
  CHECK(d.w_int8.empty());
  std::vector<real> x(IN, 1), y(2);
  rows_dot<IN>(d, 0, 2, x.data(), y.data());
  CHECK(y[0] == real(IN));
}
