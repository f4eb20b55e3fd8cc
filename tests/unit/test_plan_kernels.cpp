// Every kernel a plan can pick (rnnc/gemm.h's gemm_on: rnnc's micro-kernels,
// OpenBLAS's sgemm, oneDNN's matmul, each where this test program links it)
// against a plain product summed in double: they sum in different orders, so
// each element must agree to 1e-5 of the sum of its terms' magnitudes.
// Its own program (tests/CMakeLists.txt): linking the libraries changes what
// the other tests' products run on.
#include <doctest/doctest.h>

#include <cpuid.h>

#include <cmath>
#include <string>
#include <vector>

#include "rnnc/gemm.h"
#include "rnnc/gemm_bf16.h"
#include "rnnc/random.h"

using namespace rnnc;

namespace {

struct Shape {
  int M, N, K;
  bool transposed;  // C += A^T B, A stored [K][M] (a weight gradient); else C (+)= A B
  bool accumulate;
};

// The largest error of C (M x N) against C0 (if accumulate) + sum_k a(i, k) b(k, j) in double, in
// units of the tolerance, 1e-5 of the sum of its terms' magnitudes (<= 1 passes).
template <class AT, class BT>
double worst_against_double(int M, int N, int K, AT a, BT b, const std::vector<float>& C0, bool accumulate,
                            const std::vector<float>& C) {
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double sum = accumulate ? C0[size_t(i) * N + j] : 0, size = std::fabs(sum);
      for (int k = 0; k < K; ++k) {
        const double term = a(i, k) * b(k, j);
        sum += term;
        size += std::fabs(term);
      }
      worst = std::max(worst, std::fabs(C[size_t(i) * N + j] - sum) / (1e-5 * size + 1e-30));
    }
  return worst;
}

// The largest error of gemm_on(kernel) over the shape, in units of the tolerance (<= 1 passes).
double worst_error(ProductKernel kernel, const Shape& s, GlibcRandom& g) {
  std::vector<float> A(size_t(s.M) * s.K), B(size_t(s.K) * s.N), C(size_t(s.M) * s.N);
  for (auto& x : A) x = static_cast<float>(g.uniform(-1, 1));
  for (auto& x : B) x = static_cast<float>(g.uniform(-1, 1));
  for (auto& x : C) x = static_cast<float>(g.uniform(-1, 1));
  const std::vector<float> C0 = C;
  const ptrdiff_t ai = s.transposed ? 1 : s.K, ak = s.transposed ? s.M : 1;
  gemm_on(kernel, s.M, s.N, s.K, A.data(), ai, ak, B.data(), C.data(), s.accumulate);
  return worst_against_double(
      s.M, s.N, s.K, [&](int i, int k) { return double(A[i * ai + k * ak]); },
      [&](int k, int j) { return double(B[size_t(k) * s.N + j]); }, C0, s.accumulate, C);
}

}  // namespace

TEST_CASE("every kernel a plan can pick computes the product") {
  std::vector<ProductKernel> kernels = {ProductKernel::Rnnc};
  if (kOpenBlasLinked) kernels.push_back(ProductKernel::OpenBlas);
  if (kDnnlLinked) kernels.push_back(ProductKernel::Dnnl);
  const std::string tried = std::string("rnnc") + (kOpenBlasLinked ? ", OpenBLAS" : "") + (kDnnlLinked ? ", oneDNN" : "");
  MESSAGE("kernels tried: " << tried);
  const Shape shapes[] = {{3, 5, 7, false, false},     {17, 33, 65, false, true},     {128, 512, 512, false, false},
                          {300, 520, 530, false, true}, {64, 96, 300, true, true},     {512, 512, 256, true, true},
                          {1, 1, 1, true, false},       {260, 1030, 600, false, false}};
  GlibcRandom g(5);
  for (ProductKernel k : kernels)
    for (const Shape& s : shapes) {
      CAPTURE(int(k));
      CAPTURE(s.M);
      CAPTURE(s.N);
      CAPTURE(s.K);
      CAPTURE(s.transposed);
      CHECK(worst_error(k, s, g) <= 1);
    }
}

TEST_CASE("the check catches a product that is off") {
  // The same comparison, with one term of one element left out, must fail.
  GlibcRandom g(6);
  const int M = 8, N = 8, K = 64;
  std::vector<float> A(M * K), B(K * N), C(M * N);
  for (auto& x : A) x = static_cast<float>(g.uniform(0.5, 1));
  for (auto& x : B) x = static_cast<float>(g.uniform(0.5, 1));
  gemm_on(ProductKernel::Rnnc, M, N, K, A.data(), K, 1, B.data(), C.data(), false);
  C[0] -= A[0] * B[0];
  double sum = 0, size = 0;
  for (int k = 0; k < K; ++k) sum += double(A[k]) * B[size_t(k) * N], size += std::fabs(double(A[k]) * B[size_t(k) * N]);
  CHECK(std::fabs(C[0] - sum) / (1e-5 * size) > 1);
}

TEST_CASE("a forward product on a library reads the weights untransposed") {
  // gemm_nt_on_library: C (+)= A B^T with B stored [N][K], on the kernel the
  // plan names for the shape; where that is rnnc's, nothing is done.
  const int M = 260, N = 300, K = 270;
  GlibcRandom g(7);
  std::vector<float> A(size_t(M) * K), Bt(size_t(N) * K), C0(size_t(M) * N);
  for (auto& x : A) x = static_cast<float>(g.uniform(-1, 1));
  for (auto& x : Bt) x = static_cast<float>(g.uniform(-1, 1));
  for (auto& x : C0) x = static_cast<float>(g.uniform(-1, 1));
  std::vector<ProductKernel> kernels = {ProductKernel::Rnnc};
  if (kOpenBlasLinked) kernels.push_back(ProductKernel::OpenBlas);
  if (kDnnlLinked) kernels.push_back(ProductKernel::Dnnl);
  for (ProductKernel k : kernels)
    for (bool accumulate : {false, true}) {
      CAPTURE(int(k));
      CAPTURE(accumulate);
      static PlannedProduct table[1];
      table[0] = {M, N, K, ProductRole::Forward, k};
      use_product_plan(table);
      std::vector<float> C = C0;
      const bool done = gemm_nt_on_library(M, N, K, A.data(), Bt.data(), C.data(), accumulate);
      product_plan() = {};
      CHECK(done == (k != ProductKernel::Rnnc));
      if (!done) {
        CHECK(C == C0);
        continue;
      }
      CHECK(worst_against_double(
                M, N, K, [&](int i, int kk) { return double(A[size_t(i) * K + kk]); },
                [&](int kk, int j) { return double(Bt[size_t(j) * K + kk]); }, C0, accumulate, C) <= 1);
    }
}

TEST_CASE("the thread pool runs every chunk once, nested jobs inline") {
  // This program is built as rnnc --dnnl builds one (with OpenMP where oneDNN
  // is found), so the pool here is OpenMP's team there.
#if defined(_OPENMP)
  MESSAGE("the pool runs on OpenMP's threads");
#endif
  for (int n : {1, 7, 64, 1000}) {
    std::vector<int> hits(size_t(n) * 16, 0);
    parallel_for(
        n,
        [&](int i0, int i1) {
          for (int i = i0; i < i1; ++i)
            parallel_for(
                16, [&](int j0, int j1) { for (int j = j0; j < j1; ++j) ++hits[size_t(i) * 16 + j]; }, 1);
        },
        1);
    for (int h : hits) REQUIRE(h == 1);
    std::vector<int> blocks(n, 0);
    parallel_blocks(n, 3, [&](int b0, int b1) { for (int i = b0; i < b1; ++i) ++blocks[i]; });
    for (int h : blocks) REQUIRE(h == 1);
  }
}

#if defined(RNNC_DNNL)
TEST_CASE("oneDNN's bf16 matmul: bf16 operands, fp32 sums, in each layout the training products use") {
  // Against the same product in double on the bf16-rounded operands: only
  // the order of the fp32 sums may differ.
  GlibcRandom g(8);
  struct Layout {
    const char* what;
    int M, N, K;
    bool a_transposed, b_transposed;
  };
  const Layout layouts[] = {{"forward: x W^T", 130, 70, 90, false, true},
                            {"input gradient: delta W", 130, 90, 70, false, false},
                            {"weight gradient: delta^T x", 70, 90, 130, true, false}};
  for (const Layout& l : layouts)
    for (bool accumulate : {false, true}) {
      CAPTURE(l.what);
      CAPTURE(accumulate);
      std::vector<float> A(size_t(l.M) * l.K), B(size_t(l.K) * l.N), C0(size_t(l.M) * l.N);
      for (auto& x : A) x = static_cast<float>(g.uniform(-1, 1));
      for (auto& x : B) x = static_cast<float>(g.uniform(-1, 1));
      for (auto& x : C0) x = static_cast<float>(g.uniform(-1, 1));
      const ptrdiff_t ai = l.a_transposed ? 1 : l.K, ak = l.a_transposed ? l.M : 1;
      const ptrdiff_t bk = l.b_transposed ? 1 : l.N, bn = l.b_transposed ? l.K : 1;
      std::vector<uint16_t> a16, b16;
      to_bf16_words(A.size(), A.data(), a16);
      to_bf16_words(B.size(), B.data(), b16);
      std::vector<float> C = C0;
      dnnl_gemm_bf16(l.M, l.N, l.K, a16.data(), ai, ak, b16.data(), bk, bn, C.data(), accumulate);
      CHECK(worst_against_double(
                l.M, l.N, l.K, [&](int i, int k) { return double(from_bf16(a16[i * ai + k * ak])); },
                [&](int k, int j) { return double(from_bf16(b16[k * bk + j * bn])); }, C0, accumulate, C) <= 1);
    }
}

TEST_CASE("oneDNN makes a bf16 matmul where the CPU has AVX512-BF16 or AMX-BF16, and bf16 training uses it there") {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const bool avx512_bf16 = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5));
  const bool bf16_cpu = avx512_bf16 || cpu_has_amx_bf16();
  CAPTURE(avx512_bf16);
  CHECK(dnnl_has_bf16_matmul() == bf16_cpu);
  const char* forced = std::getenv("RNNC_BF16_PRODUCTS");
  if (!forced || !*forced) CHECK(bf16_products_on_dnnl() == ((kBf16Train || cpu_has_amx_bf16()) && bf16_cpu));
}
#endif
