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

#include "../bf16.h"
#include "../params.h"
#include "threads.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

// Rows of C per AVX-512 micro-kernel call (8 x 32 floats: 16 accumulators), tuned on Zen 4.
#ifndef RNNC_MR
#define RNNC_MR 8
#endif

namespace rnnc::train {

// fused multiply-add: one rounding, one instruction with -march=native.
inline float fmadd(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
inline double fmadd(double a, double b, double c) { return __builtin_fma(a, b, c); }

// C[i][j] (+)= sum_k A(i, k) * B[k][j] for an MR x NR block; A(i, k) = A[i*ai + k*ak].
template <int MR, int NR, class TA>
inline void micro_kernel(int K, const TA* __restrict A, ptrdiff_t ai, ptrdiff_t ak, const real* __restrict B,
                         ptrdiff_t ldb, real* __restrict C, ptrdiff_t ldc, bool accumulate) {
  real c[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i][j] = accumulate ? C[i * ldc + j] : real(0);
  for (int k = 0; k < K; ++k) {
    const real* b = B + k * ldb;
    for (int i = 0; i < MR; ++i) {
      real a = widen(A[i * ai + k * ak]);
      for (int j = 0; j < NR; ++j) c[i][j] = fmadd(a, b[j], c[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) C[i * ldc + j] = c[i][j];
}

#if defined(__AVX512F__)
// The same block with AVX-512 registers spelled out (MR x 32 floats): two
// loads of the B row per k shared by all MR rows, MR broadcasts, 2*MR FMAs.
template <int MR, class TA>
inline void micro_kernel_avx512(int K, const TA* __restrict A, ptrdiff_t ai, ptrdiff_t ak, const float* __restrict B,
                                ptrdiff_t ldb, float* __restrict C, ptrdiff_t ldc, bool accumulate) {
  __m512 c0[MR], c1[MR];
  for (int i = 0; i < MR; ++i) {
    c0[i] = accumulate ? _mm512_loadu_ps(C + i * ldc) : _mm512_setzero_ps();
    c1[i] = accumulate ? _mm512_loadu_ps(C + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int k = 0; k < K; ++k) {
    __m512 b0 = _mm512_loadu_ps(B + k * ldb), b1 = _mm512_loadu_ps(B + k * ldb + 16);
    for (int i = 0; i < MR; ++i) {
      __m512 a = _mm512_set1_ps(widen(A[i * ai + k * ak]));
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(C + i * ldc, c0[i]);
    _mm512_storeu_ps(C + i * ldc + 16, c1[i]);
  }
}
#endif

// The edge: any block size, plain loops.
template <class TA>
inline void edge_kernel(int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, ptrdiff_t ldb,
                        real* C, ptrdiff_t ldc, bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      real s = accumulate ? C[i * ldc + j] : real(0);
      for (int k = 0; k < K; ++k) s = fmadd(real(widen(A[i * ai + k * ak])), B[k * ldb + j], s);
      C[i * ldc + j] = s;
    }
}

// Rows i0..i1 of C (M x N) (+)= A (M x K, strides ai/ak) * B (K x N).
template <class TA>
inline void gemm_rows(int i0, int i1, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                      bool accumulate) {
  constexpr int NR = 64 / sizeof(real) * 2;  // two vector registers wide
#if defined(__AVX512F__)
  constexpr bool kAvx512 = sizeof(real) == 4;
  constexpr int MR = kAvx512 ? RNNC_MR : 4;
#else
  constexpr int MR = 4;
#endif
  // A read down its columns (the weight gradient's dZ^T) puts each k of a
  // row block a whole row of A apart: a new page per k. Such a block is
  // copied once into [K][MR] order and then read by every column block.
  // The sums keep their order, so results are unchanged.
  const bool pack = ai == 1 && ak > MR && N > NR;
  thread_local std::vector<TA> packed;
  if (pack && packed.size() < static_cast<size_t>(K) * MR) packed.resize(static_cast<size_t>(K) * MR);
  int i = i0;
  for (; i + MR <= i1; i += MR) {
    const TA* Ablock = A + i * ai;
    ptrdiff_t bai = ai, bak = ak;
    if (pack) {
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < MR; ++r) packed[static_cast<size_t>(k) * MR + r] = Ablock[r + k * ak];
      Ablock = packed.data();
      bai = 1;
      bak = MR;
    }
    int j = 0;
    for (; j + NR <= N; j += NR) {
#if defined(__AVX512F__)
      if constexpr (kAvx512) {
        micro_kernel_avx512<MR, TA>(K, Ablock, bai, bak, reinterpret_cast<const float*>(B) + j, N,
                                    reinterpret_cast<float*>(C) + size_t(i) * N + j, N, accumulate);
        continue;
      }
#endif
      micro_kernel<MR, NR, TA>(K, Ablock, bai, bak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    }
    if (j < N) edge_kernel(MR, N - j, K, Ablock, bai, bak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
  for (; i < i1; ++i) {
    int j = 0;
    for (; j + NR <= N; j += NR) micro_kernel<1, NR, TA>(K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(1, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
}

// Splits rows over threads when the product is big enough to pay for it.
template <class TA>
inline void gemm_split(int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                       bool accumulate) {
  double flops = 2.0 * M * N * K;
  int min_rows = flops < 4e5 ? M : 8;
  parallel_for(
      M,
      [&](int i0, int i1) {
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
