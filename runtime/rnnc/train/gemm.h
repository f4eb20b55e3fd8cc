// The matrix products training needs, row-major. A register-blocked
// micro-kernel (MR rows x NR columns of C held in registers across the whole
// K loop) does the work; each element of C still sums its K products in
// index order, so results are deterministic and the same on every run.
// Large products are split over the thread pool by rows of C.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../params.h"
#include "threads.h"

namespace rnnc::train {

// fused multiply-add: one rounding, one instruction with -march=native.
inline float fmadd(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
inline double fmadd(double a, double b, double c) { return __builtin_fma(a, b, c); }

// C[i][j] (+)= sum_k A(i, k) * B[k][j] for an MR x NR block; A(i, k) = A[i*ai + k*ak].
template <int MR, int NR>
inline void micro_kernel(int K, const real* __restrict A, ptrdiff_t ai, ptrdiff_t ak, const real* __restrict B,
                         ptrdiff_t ldb, real* __restrict C, ptrdiff_t ldc, bool accumulate) {
  real c[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i][j] = accumulate ? C[i * ldc + j] : real(0);
  for (int k = 0; k < K; ++k) {
    const real* b = B + k * ldb;
    for (int i = 0; i < MR; ++i) {
      real a = A[i * ai + k * ak];
      for (int j = 0; j < NR; ++j) c[i][j] = fmadd(a, b[j], c[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) C[i * ldc + j] = c[i][j];
}

// The edge: any block size, plain loops.
inline void edge_kernel(int M, int N, int K, const real* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, ptrdiff_t ldb,
                        real* C, ptrdiff_t ldc, bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      real s = accumulate ? C[i * ldc + j] : real(0);
      for (int k = 0; k < K; ++k) s = fmadd(A[i * ai + k * ak], B[k * ldb + j], s);
      C[i * ldc + j] = s;
    }
}

// Rows i0..i1 of C (M x N) (+)= A (M x K, strides ai/ak) * B (K x N).
inline void gemm_rows(int i0, int i1, int N, int K, const real* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                      bool accumulate) {
  constexpr int MR = 4, NR = 64 / sizeof(real) * 2;  // 4 rows x two vector registers
  int i = i0;
  for (; i + MR <= i1; i += MR) {
    int j = 0;
    for (; j + NR <= N; j += NR) micro_kernel<MR, NR>(K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(MR, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
  for (; i < i1; ++i) {
    int j = 0;
    for (; j + NR <= N; j += NR) micro_kernel<1, NR>(K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(1, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
}

// Splits rows over threads when the product is big enough to pay for it.
inline void gemm_split(int M, int N, int K, const real* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                       bool accumulate) {
  double flops = 2.0 * M * N * K;
  int min_rows = flops < 4e5 ? M : 4;
  parallel_for(
      M,
      [&](int i0, int i1) {
        // Keep chunk boundaries on multiples of 4 rows for the micro-kernel.
        gemm_rows(i0, i1, N, K, A, ai, ak, B, C, accumulate);
      },
      std::max(1, min_rows));
}

// C[M][N] (+)= A[M][K] * B[K][N]
inline void gemm_nn(int M, int N, int K, const real* A, const real* B, real* C, bool accumulate) {
  gemm_split(M, N, K, A, K, 1, B, C, accumulate);
}

// C[M][N] += A[K][M]^T * B[K][N]   (weight gradients: dW += dZ^T X)
inline void gemm_tn_acc(int M, int N, int K, const real* A, const real* B, real* C) {
  gemm_split(M, N, K, A, 1, M, B, C, true);
}

// W [out][in] -> WT [in][out], so that X W^T is a gemm_nn.
inline void transpose(int rows, int cols, const real* W, real* WT) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) WT[static_cast<size_t>(j) * rows + i] = W[static_cast<size_t>(i) * cols + j];
}

}  // namespace rnnc::train
