// The training products (runtime/rnnc/gemm.h: register-blocked
// micro-kernels, the packed path for a transposed A, edges, the thread
// split) against a plain triple loop that sums in the same k order with
// the same fused multiply-add: they must agree bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "rnnc/random.h"
#include "rnnc/gemm.h"

using namespace rnnc;

namespace {

std::vector<real> random_matrix(size_t n, GlibcRandom& g) {
  std::vector<real> m(n);
  for (auto& x : m) x = static_cast<real>(g.uniform(-1, 1));
  return m;
}

// C[i][j] (+)= sum_k A(i, k) B[k][j], A(i, k) = A[i*ai + k*ak].
void plain_gemm(int M, int N, int K, const real* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      real c = accumulate ? C[size_t(i) * N + j] : real(0);
      for (int k = 0; k < K; ++k) c = fmadd(A[i * ai + k * ak], B[size_t(k) * N + j], c);
      C[size_t(i) * N + j] = c;
    }
}

}  // namespace

TEST_CASE("gemm_nn and gemm_tn_acc equal the plain loop bit for bit") {
  GlibcRandom g(11);
  struct Shape {
    int M, N, K;
  };
  // Edges in every direction, shapes that take the packed path, one big
  // enough to be split over the thread pool, and two whose B outgrows the L2
  // cache (the blocked path: partial k and column blocks, edge columns, a
  // thread's left-over rows).
  for (Shape s : {Shape{1, 1, 1}, Shape{7, 5, 3}, Shape{37, 70, 45}, Shape{64, 96, 50}, Shape{9, 33, 200},
                  Shape{130, 160, 96}, Shape{131, 300, 600}, Shape{50, 1040, 70}}) {
    CAPTURE(s.M);
    CAPTURE(s.N);
    CAPTURE(s.K);
    std::vector<real> A = random_matrix(size_t(s.M) * s.K, g), B = random_matrix(size_t(s.K) * s.N, g);
    std::vector<real> C0 = random_matrix(size_t(s.M) * s.N, g);

    std::vector<real> fast = C0, plain = C0;
    gemm_nn(s.M, s.N, s.K, A.data(), B.data(), fast.data(), false);
    plain_gemm(s.M, s.N, s.K, A.data(), s.K, 1, B.data(), plain.data(), false);
    CHECK(fast == plain);

    // A as [K][M] (a delta matrix), read transposed, accumulating into C.
    fast = C0;
    plain = C0;
    gemm_tn_acc(s.M, s.N, s.K, A.data(), B.data(), fast.data());
    plain_gemm(s.M, s.N, s.K, A.data(), 1, s.M, B.data(), plain.data(), true);
    CHECK(fast == plain);
  }
}

TEST_CASE("a job that asks for the threads again runs its inner loop inline") {
  std::vector<int> hits(64 * 64, 0);
  parallel_for(
      64,
      [&](int i0, int i1) {
        for (int i = i0; i < i1; ++i)
          parallel_for(
              64,
              [&](int j0, int j1) {
                for (int j = j0; j < j1; ++j) ++hits[size_t(i) * 64 + j];
              },
              1);
      },
      1);
  for (int h : hits) REQUIRE(h == 1);
}
