// The matrix products of every mode (training, generate -n), row-major. A register-blocked
// micro-kernel (MR rows x NR columns of C held in registers across the whole
// K loop) does the work; each element of C still sums its K products in
// index order, so results are deterministic and the same on every run.
// Large products are split over the thread pool by rows of C.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bf16.h"
#include "params.h"
#include "threads.h"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif
// RNNC_BLAS: rnnc linked OpenBLAS (statically) into this program, for the
// large products where its sgemm beats the micro-kernels (blas_wins).
#if defined(RNNC_BLAS)
#include <cblas.h>
#endif

// Rows of C per AVX-512 micro-kernel call (8 x 32 floats: 16 accumulators), tuned on Zen 4.
#ifndef RNNC_MR
#define RNNC_MR 8
#endif
// Without AVX-512 but with AVX2 and FMA (most laptops, Zen 2/3): 6 x 16
// floats, 12 of the 16 ymm registers as accumulators.
#if !defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__)
#define RNNC_GEMM_AVX2 1
#endif

namespace rnnc {

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

// Copies `rows` rows of A (A(r, k) = A[r * ai + k * ak], k < K) into
// out[k * MR + r]: a block of rows in the k-major order the micro-kernels
// broadcast from, one contiguous stream instead of `rows` strided ones.
template <int MR, class TA>
inline void pack_rows(const TA* A, ptrdiff_t ai, ptrdiff_t ak, int rows, int K, TA* out) {
  for (int k = 0; k < K; ++k)
    for (int r = 0; r < rows; ++r) out[size_t(k) * MR + r] = A[r * ai + k * ak];
}

#if defined(__AVX512F__) || defined(RNNC_GEMM_AVX2)
// The vector registers of this build: 16 floats (AVX-512) or 8 (AVX2).
struct Vec {
#if defined(__AVX512F__)
  using T = __m512;
  static constexpr int kWidth = 16;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T zero() { return _mm512_setzero_ps(); }
  static T broadcast(float a) { return _mm512_set1_ps(a); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
#else
  using T = __m256;
  static constexpr int kWidth = 8;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T zero() { return _mm256_setzero_ps(); }
  static T broadcast(float a) { return _mm256_set1_ps(a); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
#endif
};

// Rows of C in one micro_kernel_simd block of this build (its columns: two registers).
#if defined(__AVX512F__)
constexpr int kSimdRows = RNNC_MR;
#else
constexpr int kSimdRows = 6;
#endif

// The same block with the registers spelled out, MR rows x two registers of
// floats: two loads of the B row per k shared by all MR rows, MR broadcasts,
// 2*MR FMAs; the same sums in the same order as micro_kernel.
// AHEAD: weights streamed from memory (bigger than the caches). Each k asks
// for the line at ahead.base + k * ahead.step, which keeps the lines read
// next (this panel's further on, or the next block's) in flight while the
// FMAs run.
struct Prefetch {
  const char* base;
  ptrdiff_t step;
};
template <int MR, class TA, bool AHEAD = false>
inline void micro_kernel_simd(int K, const TA* __restrict A, ptrdiff_t ai, ptrdiff_t ak, const float* __restrict B,
                              ptrdiff_t ldb, float* __restrict C, ptrdiff_t ldc, bool accumulate,
                              Prefetch ahead = {nullptr, 0}) {
  constexpr int W = Vec::kWidth;
  typename Vec::T c0[MR], c1[MR];
  for (int i = 0; i < MR; ++i) {
    c0[i] = accumulate ? Vec::load(C + i * ldc) : Vec::zero();
    c1[i] = accumulate ? Vec::load(C + i * ldc + W) : Vec::zero();
  }
  for (int k = 0; k < K; ++k) {
    if constexpr (AHEAD) _mm_prefetch(ahead.base + k * ahead.step, _MM_HINT_T0);
    typename Vec::T b0 = Vec::load(B + k * ldb), b1 = Vec::load(B + k * ldb + W);
    for (int i = 0; i < MR; ++i) {
      typename Vec::T a = Vec::broadcast(widen(A[i * ai + k * ak]));
      c0[i] = Vec::fmadd(a, b0, c0[i]);
      c1[i] = Vec::fmadd(a, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    Vec::store(C + i * ldc, c0[i]);
    Vec::store(C + i * ldc + W, c1[i]);
  }
}
#endif

#if defined(RNNC_GEMM_AVX2)
// micro_kernel_simd for a block of 1..6 rows (the rows a thread's share leaves over).
template <class TA>
inline void micro_kernel_simd_rows(int rows, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const float* B,
                                   ptrdiff_t ldb, float* C, ptrdiff_t ldc, bool accumulate) {
  switch (rows) {
    case 1:
      micro_kernel_simd<1, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
    case 2:
      micro_kernel_simd<2, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
    case 3:
      micro_kernel_simd<3, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
    case 4:
      micro_kernel_simd<4, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
    case 5:
      micro_kernel_simd<5, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
    default:
      micro_kernel_simd<6, TA>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
      break;
  }
}

// Rows i0..i1 and the first `cols` columns (a multiple of 16) of a product
// whose B does not fit the L2 cache: B is cut into 256 x 256 blocks, each
// copied once into 16-wide slivers (a sliver's K rows contiguous, in L1),
// and every row block of A runs over the block's slivers. Each C element
// still sums its K products in order (blocks of k accumulate in C), so the
// result is bit for bit the unblocked one.
template <class TA>
inline void gemm_blocked_avx2(int i0, int i1, int cols, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak,
                              const float* B, float* C, bool accumulate) {
  constexpr int MR = 6, NR = 16, KC = 256, NC = 256;
  thread_local std::vector<float> bpack;
  thread_local std::vector<TA> apack;
  bpack.resize(size_t(KC) * NC);
  apack.resize(size_t(KC) * MR);
  const bool pack_a = ai == 1 && ak > MR;
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = std::min(KC, K - pc);
    const bool acc = accumulate || pc > 0;
    for (int jc = 0; jc < cols; jc += NC) {
      const int nc = std::min(NC, cols - jc);
      for (int sl = 0; sl < nc / NR; ++sl)
        for (int k = 0; k < kc; ++k)
          std::memcpy(&bpack[(size_t(sl) * kc + k) * NR], B + size_t(pc + k) * N + jc + sl * NR, NR * sizeof(float));
      for (int i = i0; i < i1; i += MR) {
        const int rows = std::min(MR, i1 - i);
        const TA* Ab = A + i * ai + pc * ak;
        ptrdiff_t bai = ai, bak = ak;
        if (pack_a) {
          pack_rows<MR>(Ab, 1, ak, rows, kc, apack.data());
          Ab = apack.data();
          bai = 1;
          bak = MR;
        }
        for (int sl = 0; sl < nc / NR; ++sl)
          micro_kernel_simd_rows(rows, kc, Ab, bai, bak, &bpack[size_t(sl) * kc * NR], NR,
                                 C + size_t(i) * N + jc + sl * NR, N, acc);
      }
    }
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
  // kSimd: float, and a micro_kernel_simd for this build; NR is two vector registers wide.
#if defined(__AVX512F__)
  constexpr bool kSimd = sizeof(real) == 4;
  constexpr int NR = 64 / sizeof(real) * 2;
  constexpr int MR = kSimd ? kSimdRows : 4;
#elif defined(RNNC_GEMM_AVX2)
  constexpr bool kSimd = sizeof(real) == 4;
  constexpr int NR = kSimd ? 16 : 64 / sizeof(real) * 2;
  constexpr int MR = kSimd ? kSimdRows : 4;
#else
  constexpr int NR = 64 / sizeof(real) * 2;
  constexpr int MR = 4;
#endif
  // A read down its columns (the weight gradient's dZ^T) puts each k of a
  // row block a whole row of A apart: a new page per k. Such a block is
  // copied once into [K][MR] order and then read by every column block.
  // The sums keep their order, so results are unchanged.
#if defined(RNNC_GEMM_AVX2)
  if constexpr (kSimd) {
    // B beyond the L2 cache: the blocked path for whole 16-column blocks, the
    // plain edge for the columns left over.
    if (size_t(K) * N * sizeof(real) > (256u << 10) && N >= NR && i1 > i0) {
      const int cols = N / NR * NR;
      gemm_blocked_avx2(i0, i1, cols, N, K, A, ai, ak, reinterpret_cast<const float*>(B), reinterpret_cast<float*>(C),
                        accumulate);
      if (cols < N)
        for (int i = i0; i < i1; ++i)
          edge_kernel(1, N - cols, K, A + i * ai, ai, ak, B + cols, N, C + size_t(i) * N + cols, N, accumulate);
      return;
    }
  }
#endif
  const bool pack = ai == 1 && ak > MR && N > NR;
  thread_local std::vector<TA> packed;
  if (pack && packed.size() < static_cast<size_t>(K) * MR) packed.resize(static_cast<size_t>(K) * MR);
  int i = i0;
  for (; i + MR <= i1; i += MR) {
    const TA* Ablock = A + i * ai;
    ptrdiff_t bai = ai, bak = ak;
    if (pack) {
      pack_rows<MR>(Ablock, 1, ak, MR, K, packed.data());
      Ablock = packed.data();
      bai = 1;
      bak = MR;
    }
    int j = 0;
    for (; j + NR <= N; j += NR) {
#if defined(__AVX512F__) || defined(RNNC_GEMM_AVX2)
      if constexpr (kSimd) {
        micro_kernel_simd<MR, TA>(K, Ablock, bai, bak, reinterpret_cast<const float*>(B) + j, N,
                                  reinterpret_cast<float*>(C) + size_t(i) * N + j, N, accumulate);
        continue;
      }
#endif
      micro_kernel<MR, NR, TA>(K, Ablock, bai, bak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    }
    if (j < N) edge_kernel(MR, N - j, K, Ablock, bai, bak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
#if defined(RNNC_GEMM_AVX2)
  if constexpr (kSimd) {
    if (i < i1) {  // the rows left over, as one shorter block
      int j = 0;
      for (; j + NR <= N; j += NR)
        micro_kernel_simd_rows(i1 - i, K, A + i * ai, ai, ak, reinterpret_cast<const float*>(B) + j, N,
                               reinterpret_cast<float*>(C) + size_t(i) * N + j, N, accumulate);
      if (j < N) edge_kernel(i1 - i, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    }
    return;
  }
#endif
  for (; i < i1; ++i) {
    int j = 0;
    for (; j + NR <= N; j += NR)
      micro_kernel<1, NR, TA>(K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(1, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
}

// Where OpenBLAS's sgemm (one thread per share of the rows) beats the
// micro-kernels: the 1024-wide products over a whole sequence, not the
// products of one step (bench/gemm_vs_blas.cpp, Zen 3: +17% on 2048 x 1024
// <- 1024, +32% on the weight gradient; even at 128 rows, behind at 96 wide).
// rnnc links OpenBLAS into a program only when one of its products is this big.
constexpr bool blas_wins(int M, int N, int K) { return M >= 256 && N >= 512 && K >= 512; }

// Splits rows over threads when the product is big enough to pay for it.
template <class TA>
inline void gemm_split(int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                       bool accumulate) {
#if defined(RNNC_BLAS)
  if constexpr (std::is_same_v<TA, float> && std::is_same_v<real, float>) {
    if (blas_wins(M, N, K) && (ak == 1 || ai == 1)) {
      // Our threads share the rows out; each runs a one-threaded sgemm.
      static const bool one_thread = (openblas_set_num_threads(1), true);
      (void)one_thread;
      const bool trans = ak != 1;  // A read down its columns: A^T of a [K][M] matrix
      parallel_for(M, [&](int i0, int i1) {
        cblas_sgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, i1 - i0, N, K, 1.0f, A + i0 * ai,
                    trans ? ak : ai, B, N, accumulate ? 1.0f : 0.0f, C + size_t(i0) * N, N);
      });
      return;
    }
  }
#endif
  double flops = 2.0 * M * N * K;
  int min_rows = flops < 1e5 ? M : 8;
  parallel_for(
      M, [&](int i0, int i1) { gemm_rows(i0, i1, N, K, A, ai, ak, B, C, accumulate); }, std::max(1, min_rows));
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

}  // namespace rnnc
