// A dense (connected) sub-layer at inference, one character at a time: its
// weights with batch norm folded in, laid out as the kernels read them, and
// the row products every layer kind's fast step is built from. Sizes are
// template arguments, fixed when rnnc emitted the program, so loops have
// constant trip counts the compiler can unroll and vectorise. The plain twin
// in darknet's order of operations is dense/reference.h.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "../activations.h"
#include "../bf16.h"
#include "../huge_pages.h"
#include "../params.h"
#include "../precision.h"
#include "../simd.h"
#include "../threads.h"
#include "int8.h"

namespace rnnc {

// A dense sub-layer ready for inference: batch norm folded in
// (FoldBatchNorm), weights laid out as the kernel reads them.
struct InferenceDense {
  WeightVector<real> w;                // [out][in], or [in][out] when gathered
  WeightVector<uint16_t> w_bf16;       // the same in bfloat16, when -precision bf16 (then w is empty)
  WeightVector<real> panels;           // w in the batch micro-kernel's order, once generate -n asks (dense/batch.h)
  WeightVector<uint16_t> panels_bf16;  // w_bf16 likewise
  Int8Weights w_int8;                  // bytes and row scales, when -precision int8 (then w is empty; dense/int8.h)
  std::vector<real> b;                 // [out]
};

// Stores d's weights as -precision asks. int8 leaves gathered rows (a
// one-hot input) in fp32: a step reads one row of them, a few KB, so bytes
// would save nothing there, and fp32 keeps them exact.
inline void apply_precision(InferenceDense& d, bool gathered) {
  if (weight_precision() == Precision::Int8) {
    const int out = static_cast<int>(d.b.size());
    const int in = out ? static_cast<int>(d.w.size() / out) : 0;
    if (gathered || in > kInt8MaxIn || out == 0) return;
    d.w_int8 = quantise_rows(d.w.data(), out, in);
    WeightVector<real>().swap(d.w);
    return;
  }
  if (weight_precision() != Precision::Bf16) return;
  d.w_bf16.resize(d.w.size());
  for (size_t i = 0; i < d.w.size(); ++i) d.w_bf16[i] = to_bf16(static_cast<float>(d.w[i]));
  WeightVector<real>().swap(d.w);
}

// Weights for y = W x + b, rows contiguous.
inline InferenceDense prepare_dense(const DenseParams& p) {
  InferenceDense d;
  fold_batchnorm(p, d.w, d.b);
  apply_precision(d, false);
  return d;
}

// Weights for a one-hot input (OneHotGather): column c of W becomes row c,
// so the projection of character c is one contiguous read.
inline InferenceDense prepare_gather(const DenseParams& p) {
  InferenceDense d;
  std::vector<real> w;
  fold_batchnorm(p, w, d.b);
  d.w.resize(w.size());
  for (int j = 0; j < p.out; ++j)
    for (int i = 0; i < p.in; ++i) d.w[static_cast<size_t>(i) * p.out + j] = w[static_cast<size_t>(j) * p.in + i];
  apply_precision(d, true);
  return d;
}

// The independent sums of a dot product: 16, so that it vectorises (one
// AVX-512 register, two AVX2 ones) without -ffast-math; the lanes are then
// summed in order. Every dot product of fp32 inference sums this way, so
// the result is the same on every instruction set.
constexpr int kDotLanes = 16;

// A stored row (float or bf16 weights) times x.
template <int N, class T>
inline real dot(const T* __restrict a, const real* __restrict x) {
  constexpr int L = kDotLanes;
  real acc[L] = {};
  int k = 0;
  for (; k + L <= N; k += L)
    for (int l = 0; l < L; ++l) acc[l] += real(widen(a[k + l])) * x[k + l];
  real s = 0;
  for (int l = 0; l < L; ++l) s += acc[l];
  for (; k < N; ++k) s += real(widen(a[k])) * x[k];
  return s;
}

// Row j of d (length N) times x, in whichever precision d holds.
template <int N>
inline real row_dot(const InferenceDense& d, int j, const real* x) {
  if (!d.w_bf16.empty()) return dot<N>(d.w_bf16.data() + static_cast<size_t>(j) * N, x);
  return dot<N>(d.w.data() + static_cast<size_t>(j) * N, x);
}

// Rows j..j+R-1 at once: the same 16-lane sums as row_dot, per row (a
// rounded product, then a rounded add, per lane), but R independent chains
// in registers, so the adds' latency no longer bounds the loop.
template <int N, int R, class T>
__attribute__((noinline)) void dot_rows(const T* __restrict w, const real* __restrict x, real* out) {
  using V = simd::Vec<real>;
  constexpr int W = V::kWidth, L = kDotLanes, Q = L / W;  // Q registers a row
  static_assert(L % W == 0, "whole registers of lanes");
  typename V::Reg acc[R][Q];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < Q; ++q) acc[r][q] = V::zero();
  int k = 0;
  for (; k + L <= N; k += L) {
    typename V::Reg xv[Q];
    for (int q = 0; q < Q; ++q) xv[q] = V::load(x + k + q * W);
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < Q; ++q) acc[r][q] = V::add(acc[r][q], V::mul(V::load(w + size_t(r) * N + k + q * W), xv[q]));
  }
  for (int r = 0; r < R; ++r) {
    real s = simd::sum_lanes<real>(acc[r]);
    for (int kk = k; kk < N; ++kk) s += real(widen(w[size_t(r) * N + kk])) * x[kk];
    out[r] = s;
  }
}

// bf16 weights the instruction set's own way, where it has one
// (kBf16RowsDot): bf16_rows_dot<N>(w, j0, j1, x, out) sets out[j - j0] =
// row j of w times x for j in [j0, j1), N a multiple of kBf16RowsStep. The
// instructions differ, and so do the order of the sums and the results.
#if defined(__AVX512BF16__)
constexpr bool kBf16RowsDot = true;
constexpr int kBf16RowsStep = 32;
// x rounded to bf16, float sums: vdpbf16ps does two products per lane, so
// one instruction covers 32 weights.
template <int N>
__attribute__((noinline)) void bf16_rows_dot(const uint16_t* __restrict w, int j0, int j1, const real* __restrict x,
                                             real* __restrict out) {
  alignas(64) uint16_t xb[N];
  for (int k = 0; k < N; k += 16)
    _mm256_store_si256(reinterpret_cast<__m256i*>(xb + k), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + k)));
  constexpr int R = 4;
  int j = j0;
  for (; j + R <= j1; j += R) {
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int k = 0; k < N; k += 32) {
      __m512bh xv = (__m512bh)_mm512_load_si512(xb + k);
      for (int r = 0; r < R; ++r)
        acc[r] = _mm512_dpbf16_ps(acc[r], (__m512bh)_mm512_loadu_si512(w + size_t(j + r) * N + k), xv);
    }
    for (int r = 0; r < R; ++r) out[j - j0 + r] = _mm512_reduce_add_ps(acc[r]);
  }
  for (; j < j1; ++j) {
    __m512 acc = _mm512_setzero_ps();
    for (int k = 0; k < N; k += 32)
      acc = _mm512_dpbf16_ps(acc, (__m512bh)_mm512_loadu_si512(w + size_t(j) * N + k),
                             (__m512bh)_mm512_load_si512(xb + k));
    out[j - j0] = _mm512_reduce_add_ps(acc);
  }
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr bool kBf16RowsDot = true;
constexpr int kBf16RowsStep = 16;
// Without bf16 arithmetic (AVX2, and AVX-512 without BF16): a 32-bit word of
// two bf16 weights gives the odd one as a float by masking off the low half
// and the even one by shifting it up, so 16 weights cost two integer
// operations and two FMAs (widening each to 32 bits first costs twice as
// much, and that bounded generation, not memory). x is split into its even
// and odd elements once.
// Rows j..j+R-1 of w times x, x given as its even (xe) and odd (xo) elements.
template <int N, int R>
inline void bf16_block_avx2(const uint16_t* __restrict w, const float* xe, const float* xo, real* __restrict out) {
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  __m256 even[R], odd[R];
  for (int r = 0; r < R; ++r) even[r] = odd[r] = _mm256_setzero_ps();
  for (int k = 0; k < N; k += 16) {
    __m256 xev = _mm256_load_ps(xe + k / 2), xov = _mm256_load_ps(xo + k / 2);
    for (int r = 0; r < R; ++r) {
      __m256i p = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + size_t(r) * N + k));
      even[r] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(p, 16)), xev, even[r]);
      odd[r] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(p, high)), xov, odd[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    __m256 v = _mm256_add_ps(even[r], odd[r]);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    out[r] = _mm_cvtss_f32(s);
  }
}

template <int N>
__attribute__((noinline)) void bf16_rows_dot(const uint16_t* __restrict w, int j0, int j1, const real* __restrict x,
                                             real* __restrict out) {
  static_assert(N % 16 == 0, "16 weights per step");
  alignas(32) float xe[N / 2], xo[N / 2];
  for (int k = 0; k < N / 2; ++k) {
    xe[k] = x[2 * k];
    xo[k] = x[2 * k + 1];
  }
  constexpr int R = 4;
  int j = j0;
  for (; j + R <= j1; j += R) bf16_block_avx2<N, R>(w + size_t(j) * N, xe, xo, out + (j - j0));
  for (; j < j1; ++j) bf16_block_avx2<N, 1>(w + size_t(j) * N, xe, xo, out + (j - j0));
}
#else
constexpr bool kBf16RowsDot = false;
constexpr int kBf16RowsStep = 1;
template <int N>
void bf16_rows_dot(const uint16_t* w, int j0, int j1, const real* x, real* out);  // never called here
#endif

// Four rows at a time (dot_rows) pays off for bf16 weights, which the L3
// cache holds; fp32 weights stream from memory, where with AVX-512 one row
// at a time is faster, and with narrower registers four rows (~7% on Zen 3).
constexpr bool kFp32RowBlocks = simd::kIsa != simd::Isa::Avx512;

// out[j - j0] = row j of d times x, for j in [j0, j1).
template <int N>
inline void rows_dot(const InferenceDense& d, int j0, int j1, const real* x, real* out) {
  if constexpr (N <= kInt8MaxIn) {  // wider rows are never stored in int8
    if (!d.w_int8.empty()) {
      int8_rows_dot<N>(d.w_int8, j0, j1, x, out);
      return;
    }
  }
  constexpr int R = 4;
  int j = j0;
  if constexpr (kBf16RowsDot && sizeof(real) == 4 && N % kBf16RowsStep == 0) {
    if (!d.w_bf16.empty()) {
      bf16_rows_dot<N>(d.w_bf16.data(), j0, j1, x, out);
      return;
    }
  }
  if (!d.w_bf16.empty()) {
    for (; j + R <= j1; j += R) dot_rows<N, R>(d.w_bf16.data() + size_t(j) * N, x, out + (j - j0));
  } else if constexpr (kFp32RowBlocks) {
    for (; j + R <= j1; j += R) dot_rows<N, R>(d.w.data() + size_t(j) * N, x, out + (j - j0));
  }
  for (; j < j1; ++j) out[j - j0] = row_dot<N>(d, j, x);
}

// Element j of gathered row c.
inline real gathered(const InferenceDense& d, int c, int n, int j) {
  size_t i = static_cast<size_t>(c) * n + j;
  return d.w_bf16.empty() ? d.w[i] : from_bf16(d.w_bf16[i]);
}

// Threads pay off only over enough weights: rows per thread for a row of n.
constexpr int kRowsPerThread(int n) { return n >= 4096 ? 1 : 1 + (1 << 16) / (n + 1); }

// y = act(W x + b).
template <int IN, int OUT, Act A>
inline void dense_step(const InferenceDense& d, const real* __restrict x, real* __restrict y) {
  parallel_for(
      OUT,
      [&](int j0, int j1) {
        rows_dot<IN>(d, j0, j1, x, y + j0);
        for (int j = j0; j < j1; ++j) y[j] = activate<A>(y[j] + d.b[j]);
      },
      kRowsPerThread(IN));
}

// y = act(W[:, c] + b) for a one-hot input c (OneHotGather): one row read.
template <int IN, int OUT, Act A>
inline void dense_step_gather(const InferenceDense& d, int c, real* __restrict y) {
  for (int j = 0; j < OUT; ++j) y[j] = activate<A>(gathered(d, c, OUT, j) + d.b[j]);
}

// A sub-layer's product for outputs j0..j1 without its bias: a gathered row
// for a one-hot character c (ONEHOT), else rows times x. Writes out[j - j0].
template <int IN, int OUT, bool ONEHOT>
inline void dense_rows(const InferenceDense& d, const real* x, int c, int j0, int j1, real* out) {
  if constexpr (ONEHOT) {
    for (int j = j0; j < j1; ++j) out[j - j0] = gathered(d, c, OUT, j);
  } else {
    rows_dot<IN>(d, j0, j1, x, out);
  }
}

}  // namespace rnnc
