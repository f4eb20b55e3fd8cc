// The matrix products of every mode (training, generate -n), row-major. A
// register-blocked micro-kernel (MR rows x NR columns of C held in registers
// across the whole K loop, written once on simd.h) does the work; each element of C still sums its K products in
// index order, so results are deterministic and the same on every run.
// Large products are split over the thread pool by rows of C. The program's
// plan (product_plan.h) may give a product to OpenBLAS or oneDNN instead.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bf16.h"
#include "params.h"
#include "simd.h"
#include "threads.h"
#include "product_plan.h"

// RNNC_BLAS: rnnc linked OpenBLAS (statically) into this program, for the
// products its plan gives to sgemm; RNNC_DNNL: oneDNN (shared), likewise.
#if defined(RNNC_BLAS)
#include <cblas.h>
#endif
#if defined(RNNC_DNNL)
#include "dnnl_matmul.h"
#endif

// Rows of C per AVX-512 micro-kernel call (8 x 32 floats: 16 accumulators), tuned on Zen 4.
#ifndef RNNC_MR
#define RNNC_MR 8
#endif

namespace rnnc {
// Which libraries this program links (the kernels its plan may name).
#if defined(RNNC_BLAS)
constexpr bool kOpenBlasLinked = true;
#else
constexpr bool kOpenBlasLinked = false;
#endif
#if defined(RNNC_DNNL)
constexpr bool kDnnlLinked = true;
#else
constexpr bool kDnnlLinked = false;
#endif

// Rows of C in one float micro-kernel block: RNNC_MR with AVX-512; 6 with
// AVX2 and FMA (most laptops, Zen 2/3: 6 x 16 floats, 12 of the 16 ymm
// registers as accumulators); else 4. Its columns: two registers.
constexpr int kSimdRows = simd::kIsa == simd::Isa::Avx512 ? RNNC_MR : simd::kIsa == simd::Isa::Avx2 ? 6 : 4;
// The block of this build's products over `real`: kGemmRows x kGemmCols.
constexpr int kGemmRows = sizeof(real) == 4 ? kSimdRows : 4;
constexpr int kGemmCols = 2 * simd::Vec<real>::kWidth;

// Copies `rows` rows of A (A(r, k) = A[r * ai + k * ak], k < K) into
// out[k * MR + r]: a block of rows in the k-major order the micro-kernels
// broadcast from, one contiguous stream instead of `rows` strided ones.
template <int MR, class TA>
inline void pack_rows(const TA* A, ptrdiff_t ai, ptrdiff_t ak, int rows, int K, TA* out) {
  for (int k = 0; k < K; ++k)
    for (int r = 0; r < rows; ++r) out[size_t(k) * MR + r] = A[r * ai + k * ak];
}

// A block of rows of A as a micro-kernel reads it: where, and its strides.
template <class TA>
struct RowBlock {
  const TA* p;
  ptrdiff_t ai, ak;
};

// `rows` rows of A from p (strides ai, ak), copied into buf by pack_rows
// first when `pack` (A read down its columns, ai == 1).
template <int MR, class TA>
inline RowBlock<TA> row_block(const TA* p, ptrdiff_t ai, ptrdiff_t ak, int rows, int K, bool pack, TA* buf) {
  if (!pack) return {p, ai, ak};
  pack_rows<MR>(p, 1, ak, rows, K, buf);
  return {buf, 1, MR};
}

// AHEAD: weights streamed from memory (bigger than the caches). Each k asks
// for the line at ahead.base + k * ahead.step, which keeps the lines read
// next (this panel's further on, or the next block's) in flight while the
// FMAs run.
struct Prefetch {
  const char* base;
  ptrdiff_t step;
};

// C[i][j] (+)= sum_k A(i, k) * B[k][j] for a block of MR rows x two
// registers of columns, A(i, k) = A[i*ai + k*ak], held in registers across
// the whole K loop: two loads of the B row per k shared by all MR rows, MR
// broadcasts, 2*MR FMAs. Each element sums its K products in index order.
template <int MR, class TA, bool AHEAD = false, class T>
inline void micro_kernel(int K, const TA* __restrict A, ptrdiff_t ai, ptrdiff_t ak, const T* __restrict B,
                         ptrdiff_t ldb, T* __restrict C, ptrdiff_t ldc, bool accumulate,
                         Prefetch ahead = {nullptr, 0}) {
  using V = simd::Vec<T>;
  constexpr int W = V::kWidth;
  typename V::Reg c0[MR], c1[MR];
  for (int i = 0; i < MR; ++i) {
    c0[i] = accumulate ? V::load(C + i * ldc) : V::zero();
    c1[i] = accumulate ? V::load(C + i * ldc + W) : V::zero();
  }
  for (int k = 0; k < K; ++k) {
    if constexpr (AHEAD) simd::prefetch(ahead.base + k * ahead.step);
    typename V::Reg b0 = V::load(B + k * ldb), b1 = V::load(B + k * ldb + W);
    for (int i = 0; i < MR; ++i) {
      typename V::Reg a = V::broadcast(widen(A[i * ai + k * ak]));
      c0[i] = V::fmadd(a, b0, c0[i]);
      c1[i] = V::fmadd(a, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    V::store(C + i * ldc, c0[i]);
    V::store(C + i * ldc + W, c1[i]);
  }
}

// micro_kernel for a block of 1..MR rows (the rows a share leaves over).
template <class TA, int MR = kGemmRows, class T>
inline void micro_kernel_rows(int rows, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const T* B, ptrdiff_t ldb, T* C,
                              ptrdiff_t ldc, bool accumulate) {
  if constexpr (MR > 1) {
    if (rows < MR) return micro_kernel_rows<TA, MR - 1>(rows, K, A, ai, ak, B, ldb, C, ldc, accumulate);
  }
  micro_kernel<MR>(K, A, ai, ak, B, ldb, C, ldc, accumulate);
}

// The edge: any block size, plain loops.
template <class TA, class T>
inline void edge_kernel(int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const T* B, ptrdiff_t ldb, T* C,
                        ptrdiff_t ldc, bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      T s = accumulate ? C[i * ldc + j] : T(0);
      for (int k = 0; k < K; ++k) s = fmadd(T(widen(A[i * ai + k * ak])), B[k * ldb + j], s);
      C[i * ldc + j] = s;
    }
}

// Whether a product whose B does not fit the L2 cache goes through
// gemm_blocked: measured a win with AVX2 (Zen 3) and with AVX-512 (a Xeon
// with AVX512-BF16: 2-4x on 512 x 1024 <- 1024 and 128 x 1024 <- 1024, 2x
// on the 1024 x 1024 weight gradient; plan probe, one thread and two); not
// tried in the portable build.
constexpr bool kGemmBlockB = simd::kIsa != simd::Isa::Portable && sizeof(real) == 4;

// Rows i0..i1 and the first `cols` columns (a multiple of kGemmCols) of a
// product whose B does not fit the L2 cache: B is cut into 256 x 256 blocks,
// each copied once into kGemmCols-wide slivers (a sliver's K rows
// contiguous, in L1), and every row block of A runs over the block's
// slivers. Each C element still sums its K products in order (blocks of k
// accumulate in C), so the result is bit for bit the unblocked one.
template <class TA>
inline void gemm_blocked(int i0, int i1, int cols, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B,
                         real* C, bool accumulate) {
  constexpr int MR = kGemmRows, NR = kGemmCols, KC = 256, NC = 256;
  thread_local std::vector<real> bpack;
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
          std::memcpy(&bpack[(size_t(sl) * kc + k) * NR], B + size_t(pc + k) * N + jc + sl * NR, NR * sizeof(real));
      for (int i = i0; i < i1; i += MR) {
        const int rows = std::min(MR, i1 - i);
        const RowBlock<TA> a = row_block<MR>(A + i * ai + pc * ak, ai, ak, rows, kc, pack_a, apack.data());
        for (int sl = 0; sl < nc / NR; ++sl)
          micro_kernel_rows(rows, kc, a.p, a.ai, a.ak, &bpack[size_t(sl) * kc * NR], NR,
                            C + size_t(i) * N + jc + sl * NR, N, acc);
      }
    }
  }
}

// Rows i0..i1 of C (M x N) (+)= A (M x K, strides ai/ak) * B (K x N).
template <class TA>
inline void gemm_rows(int i0, int i1, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                      bool accumulate) {
  constexpr int MR = kGemmRows, NR = kGemmCols;
  if constexpr (kGemmBlockB) {
    // B beyond the L2 cache: the blocked path for whole NR-column blocks, the
    // plain edge for the columns left over.
    if (size_t(K) * N * sizeof(real) > (256u << 10) && N >= NR && i1 > i0) {
      const int cols = N / NR * NR;
      gemm_blocked(i0, i1, cols, N, K, A, ai, ak, B, C, accumulate);
      if (cols < N)
        for (int i = i0; i < i1; ++i)
          edge_kernel(1, N - cols, K, A + i * ai, ai, ak, B + cols, N, C + size_t(i) * N + cols, N, accumulate);
      return;
    }
  }
  // A read down its columns (the weight gradient's dZ^T) puts each k of a
  // row block a whole row of A apart: a new page per k. Such a block is
  // copied once into [K][MR] order and then read by every column block.
  // The sums keep their order, so results are unchanged.
  const bool pack = ai == 1 && ak > MR && N > NR;
  thread_local std::vector<TA> packed;
  if (pack && packed.size() < static_cast<size_t>(K) * MR) packed.resize(static_cast<size_t>(K) * MR);
  int i = i0;
  for (; i + MR <= i1; i += MR) {
    const RowBlock<TA> a = row_block<MR>(A + i * ai, ai, ak, MR, K, pack, packed.data());
    int j = 0;
    for (; j + NR <= N; j += NR) micro_kernel<MR>(K, a.p, a.ai, a.ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(MR, N - j, K, a.p, a.ai, a.ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
  if (i < i1) {  // the rows left over, as one shorter block
    int j = 0;
    for (; j + NR <= N; j += NR)
      micro_kernel_rows(i1 - i, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
    if (j < N) edge_kernel(i1 - i, N - j, K, A + i * ai, ai, ak, B + j, N, C + size_t(i) * N + j, N, accumulate);
  }
}

// C[M][N] (+)= A (M x K, A(i, k) = A[i*ai + k*ak]) B (K x N, B(k, n) =
// B[k*bk + n*bn]) on `kernel` where it is a library this program links and
// both operands are row- or column-major; false, and nothing done, elsewhere.
template <class TA, class TB>
inline bool gemm_on_library(ProductKernel kernel, int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak,
                            const TB* B, ptrdiff_t bk, ptrdiff_t bn, TB* C, bool accumulate) {
  if constexpr (std::is_same_v<TA, float> && std::is_same_v<TB, float>) {
#if defined(RNNC_BLAS)
    if (kernel == ProductKernel::OpenBlas && (ak == 1 || ai == 1) && (bn == 1 || bk == 1)) {
      // Our threads share the rows out; each runs a one-threaded sgemm.
      static const bool one_thread = (openblas_set_num_threads(1), true);
      (void)one_thread;
      const bool trans_a = ak != 1;  // A read down its columns: A^T of a [K][M] matrix
      const bool trans_b = bn != 1;  // B stored [N][K]: a weight matrix as a forward product reads it
      parallel_for(M, [&](int i0, int i1) {
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, i1 - i0,
                    N, K, 1.0f, A + i0 * ai, trans_a ? ak : ai, B, trans_b ? bn : bk, accumulate ? 1.0f : 0.0f,
                    C + size_t(i0) * N, N);
      });
      return true;
    }
#endif
#if defined(RNNC_DNNL)
    if (kernel == ProductKernel::Dnnl) {
      dnnl_gemm(M, N, K, A, ai, ak, B, bk, bn, C, accumulate);
      return true;
    }
#endif
  }
  (void)kernel, (void)M, (void)N, (void)K, (void)A, (void)ai, (void)ak, (void)B, (void)bk, (void)bn, (void)C,
      (void)accumulate;
  return false;
}

// C[M][N] (+)= A (M x K, A(i, k) = A[i*ai + k*ak]) B[K][N] on `kernel`
// (rnnc's own where the kernel asked for is not linked, or A is neither
// row- nor column-major). The plan's timings (compiler/plan/) call it too.
template <class TA>
inline void gemm_on(ProductKernel kernel, int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B,
                    real* C, bool accumulate) {
  if (gemm_on_library(kernel, M, N, K, A, ai, ak, B, N, 1, C, accumulate)) return;
  double flops = 2.0 * M * N * K;
  int min_rows = flops < 1e5 ? M : 8;
  parallel_for(
      M, [&](int i0, int i1) { gemm_rows(i0, i1, N, K, A, ai, ak, B, C, accumulate); }, std::max(1, min_rows));
}

// A product on the kernel the program's plan gives its shape (product_plan.h).
template <class TA>
inline void gemm_split(int M, int N, int K, const TA* A, ptrdiff_t ai, ptrdiff_t ak, const real* B, real* C,
                       bool accumulate) {
  gemm_on(planned_kernel(M, N, K, ak != 1), M, N, K, A, ai, ak, B, C, accumulate);
}

// C[M][N] (+)= A[M][K] B^T with B stored [N][K] (a weight matrix [out][in],
// as a forward product reads it), where the plan gives the shape to a
// library, which reads B in either layout; false, and nothing done, where
// it gives it to rnnc's kernels, which take B only as [K][N].
template <class T>
inline bool gemm_nt_on_library(int M, int N, int K, const T* A, const T* Bt, T* C, bool accumulate) {
  return gemm_on_library(planned_kernel(M, N, K, false), M, N, K, A, K, 1, Bt, 1, K, C, accumulate);
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
// In 32 x 32 tiles (a column walk of the whole matrix wrote one float per
// 4 KB line for a 1024-wide W: the training step's refresh of every weight
// transpose took ~6% of a cfg/rnn.train.cfg batch), the tiles' column bands
// shared over the threads from 256 K elements on. A copy: any split gives
// the same bytes.
inline void transpose(int rows, int cols, const real* W, real* WT) {
  constexpr int T = 32;
  auto band = [&](int j0, int j1) {
    for (int i0 = 0; i0 < rows; i0 += T)
      for (int j = j0; j < j1; ++j) {
        const int i1 = std::min(rows, i0 + T);
        real* to = WT + static_cast<size_t>(j) * rows;
        for (int i = i0; i < i1; ++i) to[i] = W[static_cast<size_t>(i) * cols + j];
      }
  };
  if (static_cast<size_t>(rows) * cols < (size_t(1) << 18)) {
    for (int j0 = 0; j0 < cols; j0 += T) band(j0, std::min(cols, j0 + T));
    return;
  }
  parallel_blocks(cols, T, band);
}

}  // namespace rnnc
