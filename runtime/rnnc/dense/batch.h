// A dense sub-layer at inference for n independent samples at once
// (generate -n N): every weight read serves all n. Activations are feature-major ([features][n], one
// column per sample), so that each layer is one product W X with the
// register-blocked micro-kernel of gemm.h, then a pointwise pass.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../activations.h"
#include "inference.h"
#include "../gemm.h"

namespace rnnc {

// Whether Z = W X goes to a kernel that takes the whole product and splits
// its rows over the threads itself: int8's, which quantises X once a product
// (dense/int8.h). bf16 weights go through the float panels, widened a block
// at a time: on this project's AVX512-BF16 machine (2-core Xeon, 2026-11-28)
// a vdpbf16ps kernel over bf16-rounded activations ran -n 32 1.45x slower
// than widening, whose float activations are also more accurate.
inline bool uses_whole_product(const InferenceDense& d) { return !d.w_int8.empty(); }

// Whether generate -n lays float weights out in panels (the micro-kernel's
// blocks of vector registers; not in the portable build).
constexpr bool kBatchPanels = simd::kIsa != simd::Isa::Portable && sizeof(real) == 4;
// How far ahead (in floats) the fp32 panel kernel asks for weights: 2 KB,
// measured best on Zen 3 with cfg/rnn.cfg's 36 MB of weights (more than its L3).
constexpr int kPanelPrefetch = 512;

// w ([out][in]) in panels: blocks of kSimdRows rows, each block k-major, the
// last one padded with zero rows.
template <class V>
inline void pack_panels(const V& w, int out, V& panels) {
  constexpr int MR = kSimdRows;
  const int in = static_cast<int>(w.size() / out);
  panels.assign(size_t(out + MR - 1) / MR * MR * in, typename V::value_type(0));
  for (int i = 0; i < out; i += MR)
    pack_rows<MR>(w.data() + size_t(i) * in, in, 1, std::min(MR, out - i), in, panels.data() + size_t(i) * in);
}

// From this many samples on, bf16 weights are widened to float panels once,
// at reset_batch, instead of a block at a time in every product: the product
// is bound by the FMAs there, not by the bytes read (cfg/rnn.cfg at -n 32:
// ~200 MFLOP a character against 6 MB of bf16 weights), and this project's
// AVX512-BF16 machine has no faster bf16 arithmetic than its FMAs (a
// vdpbf16ps kernel ran 1.45x slower), so widening each step only cost time
// (~25% at -n 32). The values are the bf16 weights' either way.
constexpr int kWidenBf16OnceFrom = 16;

// Lays the weights out as the batch micro-kernel reads them: rows in blocks
// of kSimdRows, each block k-major ([OUT/MR][IN][MR]). The kernel
// then reads one contiguous stream per block instead of MR streams a whole
// row apart, which the prefetchers keep ahead of the FMAs when the weights
// come from memory. Called by reset_batch(n), in either precision.
inline void prepare_batch_weights(InferenceDense& d, int n) {
  if (!kBatchPanels || d.b.empty()) return;
  const int out = static_cast<int>(d.b.size());
  if (!d.w.empty()) {
    if (d.panels.empty()) pack_panels(d.w, out, d.panels);
    return;
  }
  if (d.w_bf16.empty()) return;
  if (n >= kWidenBf16OnceFrom) {
    if (d.panels.empty()) {
      WeightVector<real> widened(d.w_bf16.size());
      for (size_t e = 0; e < widened.size(); ++e) widened[e] = from_bf16(d.w_bf16[e]);
      pack_panels(widened, out, d.panels);
    }
    d.panels_bf16 = {};
  } else {
    if (d.panels_bf16.empty()) pack_panels(d.w_bf16, out, d.panels_bf16);
    d.panels = {};
  }
}

// One block of MR rows (of which `rows` are real) and all n columns of
// Z = W X from its float panel P ([IN][MR]); the first column pass asks for
// the lines at `ahead` as it goes.
template <int IN>
inline void panel_block(const float* P, const float* X, float* Z, int n, int rows, Prefetch ahead) {
  constexpr int MR = kSimdRows, NR = 2 * simd::Vec<float>::kWidth;
  float spill[MR * NR];  // the padded rows of the last block land here
  int j = 0;
  for (; j + NR <= n; j += NR) {
    float* C = rows == MR ? Z + j : spill;
    const ptrdiff_t ldc = rows == MR ? n : NR;
    if (j == 0)
      micro_kernel<MR, float, true>(IN, P, 1, MR, X + j, n, C, ldc, false, ahead);
    else
      micro_kernel<MR>(IN, P, 1, MR, X + j, n, C, ldc, false);
    if (rows < MR)
      for (int r = 0; r < rows; ++r) std::memcpy(Z + size_t(r) * n + j, spill + r * NR, sizeof(float) * NR);
  }
  if (j < n) edge_kernel(rows, n - j, IN, P, 1, MR, X + j, n, Z + j, n, false);
}

// Rows i0..i1 (i0 a multiple of kSimdRows) of Z[OUT][n] = W X from the
// panels: the same micro-kernel and the same sums in the same order as
// gemm_rows over the row-major weights, so the results are identical. bf16
// panels are widened a block at a time into L1 (no bf16 arithmetic here),
// with the next block asked for while this one is multiplied.
template <int IN, class T>
inline void panel_product_rows(const InferenceDense& d, const T* X, T* Z, int n, int i0, int i1) {
  static_assert(sizeof(T) == 4, "float panels");
  constexpr int MR = kSimdRows;
  const size_t block = size_t(IN) * MR;
  thread_local std::vector<float> widened;
  widened.resize(block);
  for (int i = i0; i < i1; i += MR) {
    const int rows = std::min(MR, i1 - i);
    float* z = Z + size_t(i) * n;
    if (!d.panels.empty()) {  // float weights, or bf16 ones widened once (kWidenBf16OnceFrom)
      const float* p = d.panels.data() + size_t(i) * IN;
      panel_block<IN>(p, X, z, n, rows, {reinterpret_cast<const char*>(p + kPanelPrefetch), MR * sizeof(float)});
      continue;
    }
    const uint16_t* __restrict p = d.panels_bf16.data() + size_t(i) * IN;
    float* __restrict f = widened.data();
    for (size_t e = 0; e < block; ++e) f[e] = from_bf16(p[e]);
    const bool last = size_t(i) * IN + block >= d.panels_bf16.size();
    panel_block<IN>(f, X, z, n, rows, {reinterpret_cast<const char*>(last ? p : p + block), MR * sizeof(uint16_t)});
  }
}

// Rows i0..i1 of Z[OUT][n] = W X on the calling thread, in whichever
// precision and layout the weights are held (not the bf16 dot-product kernel's case).
template <int IN>
inline void batch_product_rows(const InferenceDense& d, const real* X, real* Z, int n, int i0, int i1) {
  if constexpr (IN <= kInt8MaxIn) {
    if (!d.w_int8.empty()) {  // correct but quantises X for each call: batch_product does it once
      int8_batch_product<IN>(d.w_int8, X, Z, n, i0, i1, false);
      return;
    }
  }
  if constexpr (kBatchPanels) {
    if ((!d.panels.empty() || !d.panels_bf16.empty()) && i0 % kSimdRows == 0) {
      panel_product_rows<IN>(d, X, Z, n, i0, i1);
      return;
    }
  }
  if (d.w_bf16.empty()) {
    gemm_rows(i0, i1, n, IN, d.w.data(), IN, 1, X, Z, false);
    return;
  }
  if constexpr (sizeof(real) == 4) {
    // Without panels or bf16 arithmetic: W's rows are widened to float 48 at
    // a time (in L2) and multiplied; widening once per row beats widening
    // each weight at every broadcast of the micro-kernel.
    constexpr int CHUNK = 48;
    thread_local std::vector<real> rows;
    rows.resize(size_t(CHUNK) * IN);
    for (int i = i0; i < i1; i += CHUNK) {
      const int m = std::min(CHUNK, i1 - i);
      const uint16_t* w = d.w_bf16.data() + size_t(i) * IN;
      for (size_t e = 0; e < size_t(m) * IN; ++e) rows[e] = from_bf16(w[e]);
      gemm_rows(0, m, n, IN, rows.data(), IN, 1, X, Z + size_t(i) * n, false);
    }
  } else {
    gemm_rows(i0, i1, n, IN, d.w_bf16.data(), IN, 1, X, Z, false);
  }
}

// Whether a product of this size is worth the threads.
constexpr bool batch_threaded(int in, int out, int n) { return 2.0 * in * out * n >= 4e5; }

// f(j0, j1) over the OUT rows of a batch product: inline when it is small,
// else in blocks of 48 rows (whole micro-kernel blocks of 6 or 8) that the
// threads claim as they come free, which keeps both cores busy to the end
// of each layer when one runs slower than the other.
template <class F>
inline void for_batch_rows(int out, bool threaded, F&& f) {
  if (!threaded) {
    f(0, out);
    return;
  }
  parallel_blocks(out, 48, f);
}

// Z[OUT][n] = W X, in whichever precision the weights are held.
template <int IN, int OUT>
inline void batch_product(const InferenceDense& d, const real* X, real* Z, int n) {
  if constexpr (IN <= kInt8MaxIn) {
    if (!d.w_int8.empty()) {
      int8_batch_product<IN>(d.w_int8, X, Z, n, 0, OUT, batch_threaded(IN, OUT, n));
      return;
    }
  }
  for_batch_rows(OUT, batch_threaded(IN, OUT, n), [&](int i0, int i1) { batch_product_rows<IN>(d, X, Z, n, i0, i1); });
}

// Rows j0..j1 of Y: act(Y + b) in place.
template <Act A>
inline void bias_activate_rows(const InferenceDense& d, real* Y, int n, int j0, int j1) {
  for (int j = j0; j < j1; ++j)
    for (int s = 0; s < n; ++s) Y[j * n + s] = activate<A>(Y[j * n + s] + d.b[j]);
}

// Y = act(W X + b); each thread finishes its own rows (one pass over the
// threads a layer).
template <int IN, int OUT, Act A>
inline void dense_forward_batch(const InferenceDense& d, const real* X, real* Y, int n) {
  if (uses_whole_product(d)) {
    batch_product<IN, OUT>(d, X, Y, n);
    bias_activate_rows<A>(d, Y, n, 0, OUT);
    return;
  }
  for_batch_rows(OUT, batch_threaded(IN, OUT, n), [&](int j0, int j1) {
    batch_product_rows<IN>(d, X, Y, n, j0, j1);
    bias_activate_rows<A>(d, Y, n, j0, j1);
  });
}

// Y = act(W[:, c_s] + b) for each sample's character c_s (a gathered layout), rows j0..j1.
// A sample at a time: its gathered row is one contiguous read.
template <int OUT, Act A>
inline void dense_gather_rows(const InferenceDense& d, const Symbol* c, real* Y, int n, int j0, int j1) {
  for (int s = 0; s < n; ++s) {
    const size_t row = size_t(c[s]) * OUT;
    if (d.w_bf16.empty()) {
      const real* w = d.w.data() + row;
      for (int j = j0; j < j1; ++j) Y[size_t(j) * n + s] = activate<A>(w[j] + d.b[j]);
    } else {
      const uint16_t* w = d.w_bf16.data() + row;
      for (int j = j0; j < j1; ++j) Y[size_t(j) * n + s] = activate<A>(from_bf16(w[j]) + d.b[j]);
    }
  }
}

template <int IN, int OUT, Act A>
inline void dense_gather_batch(const InferenceDense& d, const Symbol* c, real* Y, int n) {
  dense_gather_rows<OUT, A>(d, c, Y, n, 0, OUT);
}

}  // namespace rnnc
