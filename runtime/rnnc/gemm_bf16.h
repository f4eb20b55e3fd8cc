// The training products in bf16 (train -precision bf16): both operands
// rounded to bfloat16 (nearest even), products summed in fp32. The weights
// are rounded once per batch (Bf16Operand, refreshed with the layer's
// scratch), the activations and deltas at each product.
//
// Two kernels, chosen at compile time by -march:
//   AVX512-BF16 (__AVX512BF16__): vdpbf16ps, two products of K per lane per
//     instruction, so both operands are packed with K's pairs side by side;
//   elsewhere, the reference: operands rounded to bf16 but kept as floats,
//     then gemm.h's fp32 products. Same numbers up to the order of the sums.
// A program built with rnnc --dnnl runs them on oneDNN's bf16 matmul instead
// where the CPU has AMX-BF16 or AVX512-BF16 (bf16_products_on_dnnl): oneDNN
// has AMX kernels, rnnc does not (no machine here could run one), and its
// AVX512-BF16 ones measured a few % faster than rnnc's.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bf16.h"
#include "error.h"
#include "gemm.h"

namespace rnnc {

// train -precision: a setting of its own, apart from generation's -precision
// (precision.h), read by the training products.
enum class TrainPrecision { Fp32, Bf16 };
inline TrainPrecision& train_precision() {
  static TrainPrecision p = TrainPrecision::Fp32;
  return p;
}

#if defined(__AVX512BF16__)
constexpr bool kBf16Train = sizeof(real) == 4;
#else
constexpr bool kBf16Train = false;
#endif

// Rows of A per vdpbf16ps block (MR x 32 columns: 2*MR accumulators): 12
// for a product of many rows (each B load then feeds 24 instructions: +15%
// on 2048 rows), 8 for the few rows of a time step (32 rows in three
// blocks of 12 would compute 36). And the columns of a block.
constexpr int kBf16Rows = 8, kBf16RowsWide = 12, kBf16Cols = 32;
constexpr int bf16_rows_for(int M) { return M >= 96 ? kBf16RowsWide : kBf16Rows; }
// K pairs per pass over the tiles (256 values of K).
constexpr int kBf16ChunkPairs = 128;

// Whether -precision bf16's products run on oneDNN: only in a program that
// links it (rnnc --dnnl); there, where the CPU has AMX-BF16 (issue 15's
// Xeon: oneDNN's bf16 matmul 2,626-2,965 GFLOP/s against its fp32's
// 329-353) or this build's AVX512-BF16 (a 2-core Sapphire Rapids without
// AMX: oneDNN's kernels train lstm.train.cfg 3-6% faster than rnnc's,
// gru-2x512 3-4%) and oneDNN makes a bf16 matmul that is not its reference
// kernel; or as RNNC_BF16_PRODUCTS says (onednn or rnnc: for tests, and for
// CPUs where a user measures otherwise).
inline bool bf16_products_on_dnnl() {
  static const bool on = [] {
    const char* e = std::getenv("RNNC_BF16_PRODUCTS");
    if (e && *e && std::strcmp(e, "onednn") != 0 && std::strcmp(e, "rnnc") != 0)
      fail("RNNC_BF16_PRODUCTS is onednn or rnnc, got '%s'", e);
    if (!kDnnlLinked) return false;
    if (e && *e) return std::strcmp(e, "onednn") == 0;
#if defined(RNNC_DNNL)
    return (cpu_has_amx_bf16() || kBf16Train) && dnnl_has_bf16_matmul();
#else
    return false;
#endif
  }();
  return on;
}

// n floats as bf16 words (round to nearest even), shared over the threads
// from 64 K values: a product's activations, converted at each product.
template <class T>
inline void to_bf16_words(size_t n, const T* src, std::vector<uint16_t>& out) {
  out.resize(n);
  uint16_t* dst = out.data();
  auto convert = [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) dst[i] = to_bf16(static_cast<float>(src[i]));
  };
  constexpr size_t kBlock = size_t(1) << 16;
  parallel_elements(n, kBlock, kBlock, convert);
}

template <class T>
inline T round_bf16(T x) {
  return T(from_bf16(to_bf16(static_cast<float>(x))));
}

// Two values as the 32-bit bf16 pair vdpbf16ps multiplies: `lo` (k even) in the low half.
template <class T>
inline uint32_t bf16_pair(T lo, T hi) {
  return uint32_t(to_bf16(static_cast<float>(lo))) | uint32_t(to_bf16(static_cast<float>(hi))) << 16;
}

// A weight matrix as a product's right operand B (K x N), in the form this build's kernel reads.
struct Bf16Operand {
  int K = 0, N = 0, NP = 0;     // NP: N rounded up to whole kBf16Cols blocks
  std::vector<uint32_t> pairs;  // AVX512-BF16: [K/2 rounded up][NP] bf16 pairs, zero-padded
  std::vector<real> rounded;    // elsewhere: [K][N], every value rounded to bf16
};

// B(k, n) = src[k * bk + n * bn] -> [KP][NP] bf16 pairs along k, zero
// beyond K and N. Reads along whichever stride is 1.
template <class T>
inline void pack_bf16_pairs(int K, int N, const T* src, ptrdiff_t bk, ptrdiff_t bn, Bf16Operand& out) {
  const int KP = (K + 1) / 2, NP = (N + kBf16Cols - 1) / kBf16Cols * kBf16Cols;
  out.K = K;
  out.N = N;
  out.NP = NP;
  out.pairs.resize(size_t(KP) * NP);
  uint32_t* o = out.pairs.data();
  for (int kp = 0; kp < KP; ++kp) std::fill(o + size_t(kp) * NP + N, o + size_t(kp + 1) * NP, 0u);
  if (bn != 1) {
    for (int n = 0; n < N; ++n) {
      const T* s = src + n * bn;
      for (int kp = 0; kp < K / 2; ++kp) o[size_t(kp) * NP + n] = bf16_pair(s[2 * kp * bk], s[(2 * kp + 1) * bk]);
      if (K % 2) o[size_t(K / 2) * NP + n] = bf16_pair(s[(K - 1) * bk], T(0));
    }
  } else {
    for (int kp = 0; kp < KP; ++kp) {
      const T* s0 = src + 2 * kp * bk;
      uint32_t* row = o + size_t(kp) * NP;
      if (2 * kp + 1 < K) {
        const T* s1 = s0 + bk;
        for (int n = 0; n < N; ++n) row[n] = bf16_pair(s0[n], s1[n]);
      } else {
        for (int n = 0; n < N; ++n) row[n] = bf16_pair(s0[n], T(0));
      }
    }
  }
}

// B(k, n) -> [K][N] bf16-rounded values, for the reference kernel.
template <class T>
inline void round_bf16_matrix(int K, int N, const T* src, ptrdiff_t bk, ptrdiff_t bn, Bf16Operand& out) {
  out.K = K;
  out.N = N;
  out.NP = N;
  out.rounded.resize(size_t(K) * N);
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < N; ++n) out.rounded[size_t(k) * N + n] = round_bf16(src[k * bk + n * bn]);
}

// This build's form of B(k, n) = src[k * bk + n * bn].
inline void pack_bf16_operand(int K, int N, const real* src, ptrdiff_t bk, ptrdiff_t bn, Bf16Operand& out) {
  if constexpr (kBf16Train)
    pack_bf16_pairs(K, N, src, bk, bn, out);
  else
    round_bf16_matrix(K, N, src, bk, bn, out);
}

// The reference: C (+)= round(A) * B.rounded, A(i, k) = A[i*ai + k*ak], on
// gemm.h's fp32 products.
template <class T>
inline void bf16_gemm_reference(int M, int N, int K, const T* A, ptrdiff_t ai, ptrdiff_t ak, const T* B_rounded,
                                T* C, bool accumulate) {
  thread_local std::vector<T> a;
  a.resize(size_t(M) * K);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) a[size_t(i) * K + k] = round_bf16(A[i * ai + k * ak]);
  gemm_split(M, N, K, a.data(), K, 1, B_rounded, C, accumulate);
}

#if defined(__AVX512BF16__)
// A(i, k) = A[i*ai + k*ak] -> blocks of MR rows, each [KP][MR] of
// 32-bit bf16 pairs (k even in the low half), zero beyond M and K: the
// order the kernel broadcasts from, one stream.
template <int MR>
inline void pack_bf16_rows(int M, int K, const float* A, ptrdiff_t ai, ptrdiff_t ak, std::vector<uint32_t>& out) {
  const int KP = (K + 1) / 2, blocks = (M + MR - 1) / MR;
  out.resize(size_t(blocks) * KP * MR);
  for (int b = 0; b < blocks; ++b) {
    uint32_t* o = &out[size_t(b) * KP * MR];
    const int rows = std::min(MR, M - b * MR);
    if (rows < MR) std::fill(o, o + size_t(KP) * MR, 0u);
    if (ai == 1 && rows == MR) {
      // A read down its columns (a delta matrix, transposed): a block's
      // rows are side by side in each k.
      for (int kp = 0; kp < K / 2; ++kp) {
        const float* a = A + b * MR + 2 * kp * ak;
        for (int r = 0; r < MR; ++r) o[size_t(kp) * MR + r] = bf16_pair(a[r], a[r + ak]);
      }
      if (K % 2)
        for (int r = 0; r < MR; ++r) o[size_t(K / 2) * MR + r] = bf16_pair(A[b * MR + r + (K - 1) * ak], 0.f);
    } else {
      for (int r = 0; r < rows; ++r) {
        const float* a = A + (b * MR + r) * ai;
        for (int kp = 0; kp < K / 2; ++kp) o[size_t(kp) * MR + r] = bf16_pair(a[2 * kp * ak], a[(2 * kp + 1) * ak]);
        if (K % 2) o[size_t(K / 2) * MR + r] = bf16_pair(a[(K - 1) * ak], 0.f);
      }
    }
  }
}

// C (rows x cols, at most MR x kBf16Cols) (+)= one packed row block
// times one 32-column panel of B, held in 2*MR registers across all of K.
template <int MR>
inline void bf16_block(int KP, const uint32_t* __restrict a, const uint32_t* __restrict b, ptrdiff_t ldb,
                       float* __restrict C, ptrdiff_t ldc, int rows, int cols, bool accumulate) {
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xffff) : cols > 16 ? __mmask16((1u << (cols - 16)) - 1) : 0;
  __m512 c0[MR], c1[MR];
  for (int i = 0; i < MR; ++i) {
    const bool load = accumulate && i < rows;
    c0[i] = load ? _mm512_maskz_loadu_ps(m0, C + i * ldc) : _mm512_setzero_ps();
    c1[i] = load ? _mm512_maskz_loadu_ps(m1, C + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int kp = 0; kp < KP; ++kp) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + kp * ldb);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + kp * ldb + 16);
    for (int i = 0; i < MR; ++i) {
      const __m512bh ai = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[kp * MR + i]));
      c0[i] = _mm512_dpbf16_ps(c0[i], ai, b0);
      c1[i] = _mm512_dpbf16_ps(c1[i], ai, b1);
    }
  }
  for (int i = 0; i < rows; ++i) {
    _mm512_mask_storeu_ps(C + i * ldc, m0, c0[i]);
    _mm512_mask_storeu_ps(C + i * ldc + 16, m1, c1[i]);
  }
}

// C[M][N] (+)= A * B with vdpbf16ps, A(i, k) = A[i*ai + k*ak]; tiles of
// MR rows x 32 columns over the threads, column panel by column panel: a
// panel of B stays in L1 while every row block of the packed A (a quarter
// of B's bytes per instruction) streams past it.
template <int MR>
inline void bf16_gemm_avx512(int M, int N, int K, const float* A, ptrdiff_t ai, ptrdiff_t ak, const Bf16Operand& B,
                             float* C, bool accumulate) {
  constexpr int NR = kBf16Cols;
  thread_local std::vector<uint32_t> packed;
  pack_bf16_rows<MR>(M, K, A, ai, ak, packed);
  const int KP = (K + 1) / 2, blocks = (M + MR - 1) / MR, panels = (N + NR - 1) / NR;
  const uint32_t* P = packed.data();
  const double tile_flops = 2.0 * MR * NR * K;
  const ptrdiff_t ldb = B.NP;
  parallel_for(
      blocks * panels,
      [&](int t0, int t1) {
        // K in chunks of kBf16ChunkPairs pairs, so that a panel's chunk
        // (16 KB) stays in L1 and the row blocks' chunks in L2; the chunks
        // after the first add to C.
        for (int kp0 = 0; kp0 < KP; kp0 += kBf16ChunkPairs) {
          const int kps = std::min(kBf16ChunkPairs, KP - kp0);
          for (int t = t0; t < t1; ++t) {
            const int b = t % blocks, j = t / blocks * NR;
            bf16_block<MR>(kps, P + (size_t(b) * KP + kp0) * MR, B.pairs.data() + kp0 * ldb + j, ldb,
                       C + size_t(b) * MR * N + j, N, std::min(MR, M - b * MR), std::min(NR, N - j),
                       accumulate || kp0 > 0);
          }
        }
      },
      std::max(1, int(2e5 / tile_flops)));
}
#endif

// C[M][N] (+)= A[M][K] * B, B a packed weight matrix (K x N).
template <class T>
inline void bf16_gemm_nn(int M, int N, int K, const T* A, const Bf16Operand& B, T* C, bool accumulate) {
#if defined(__AVX512BF16__)
  if constexpr (kBf16Train && std::is_same_v<T, float>)
    return bf16_rows_for(M) == kBf16Rows ? bf16_gemm_avx512<kBf16Rows>(M, N, K, A, K, 1, B, C, accumulate)
                                         : bf16_gemm_avx512<kBf16RowsWide>(M, N, K, A, K, 1, B, C, accumulate);
#endif
  bf16_gemm_reference(M, N, K, A, K, 1, B.rounded.data(), C, accumulate);
}

// C[M][N] += A[K][M]^T * B[K][N] (weight gradients: dW += dZ^T X), both
// operands rounded here.
template <class T>
inline void bf16_gemm_tn_acc(int M, int N, int K, const T* A, const T* B, T* C) {
  thread_local Bf16Operand b;
  pack_bf16_operand(K, N, B, N, 1, b);
#if defined(__AVX512BF16__)
  if constexpr (kBf16Train && std::is_same_v<T, float>)
    return bf16_rows_for(M) == kBf16Rows ? bf16_gemm_avx512<kBf16Rows>(M, N, K, A, 1, M, b, C, true)
                                         : bf16_gemm_avx512<kBf16RowsWide>(M, N, K, A, 1, M, b, C, true);
#endif
  bf16_gemm_reference(M, N, K, A, 1, M, b.rounded.data(), C, true);
}

}  // namespace rnnc
