// int8 inference weights (-precision int8): each row of a folded dense
// sub-layer as signed bytes with one float scale (max|w| / 127), and the
// vector it multiplies quantised the same way at each step (one scale a
// vector: a step's input, or one sample's column in generate -n). The dot
// products are then exact integer sums of byte products, four a lane per
// VNNI instruction, over a quarter of fp32's bytes: generation at -n 1 is
// bound by the bytes of weights read. Every instruction set sums the same
// integers and scales them with the same two float multiplies, so int8
// gives the same bits on every one, and generate -n N's rows equal -n 1's.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../huge_pages.h"
#include "../params.h"
#include "../simd.h"
#include "../threads.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace rnnc {

// The integer kernels of this build, chosen by -march like simd.h's.
enum class Int8Isa { Portable, Avx2, AvxVnni, Avx512Vnni };
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
inline constexpr Int8Isa kInt8Isa = Int8Isa::Avx512Vnni;
#elif defined(__AVXVNNI__) && defined(__AVX2__)
inline constexpr Int8Isa kInt8Isa = Int8Isa::AvxVnni;
#elif defined(__AVX2__)
inline constexpr Int8Isa kInt8Isa = Int8Isa::Avx2;
#else
inline constexpr Int8Isa kInt8Isa = Int8Isa::Portable;
#endif

// VNNI (vpdpbusd) multiplies unsigned bytes by signed ones: activations go
// in as q + 128 (q ^ 0x80), and each row's sum then loses 128 * its bytes' sum.
inline constexpr bool kInt8UnsignedX = kInt8Isa == Int8Isa::AvxVnni || kInt8Isa == Int8Isa::Avx512Vnni;

// Rows are stored padded with zeros to whole 64-byte lines, so no kernel has
// a tail; the row count to whole blocks of the batch kernel, plus one block,
// so that a block may start at any row.
constexpr int int8_stride(int in) { return (in + 63) / 64 * 64; }
constexpr int int8_stored_rows(int out) { return (out + 7) / 8 * 8 + 8; }

// The int32 sums stay exact while 255 * 127 * in < 2^31; wider rows stay fp32.
constexpr int kInt8MaxIn = 66000;

struct Int8Weights {
  WeightVector<int8_t> q;       // [int8_stored_rows(out)][int8_stride(in)], zeros past in and out
  std::vector<float> scale;     // per row: w ~ q * scale
  std::vector<int32_t> offset;  // per row: 128 * the sum of its bytes (kInt8UnsignedX)
  bool empty() const { return q.empty(); }
};

// Symmetric per-row quantisation of w ([out][in]): scale = max|w| / 127,
// q = w / scale rounded to nearest, so |q| <= 127.
inline Int8Weights quantise_rows(const real* w, int out, int in) {
  Int8Weights r;
  const int ld = int8_stride(in), rows = int8_stored_rows(out);
  r.q.assign(size_t(rows) * ld, 0);
  r.scale.assign(rows, 0.f);
  r.offset.assign(rows, 0);
  for (int j = 0; j < out; ++j) {
    const real* row = w + size_t(j) * in;
    double m = 0;
    for (int k = 0; k < in; ++k) m = std::max(m, std::fabs(double(row[k])));
    if (!(m > 0)) continue;  // a zero row: q = 0, scale 0
    int32_t sum = 0;
    for (int k = 0; k < in; ++k) {
      const double v = std::clamp(__builtin_rint(double(row[k]) * 127 / m), -127.0, 127.0);
      r.q[size_t(j) * ld + k] = static_cast<int8_t>(v);
      sum += static_cast<int32_t>(v);
    }
    r.scale[j] = static_cast<float>(m / 127);
    r.offset[j] = 128 * sum;
  }
  return r;
}

// One vector's scale from its largest magnitude m: x ~ q * (m / 127), and
// q = rint(x * (127 / m)); a zero vector quantises to zeros with scale 0.
struct Int8Scale {
  float scale, inv;
  explicit Int8Scale(float m) : scale(m > 0 ? m / 127.f : 0.f), inv(m > 0 ? 127.f / m : 0.f) {}
};
inline int8_t quantise_one(float v, float inv) {
  return static_cast<int8_t>(std::clamp(__builtin_rintf(v * inv), -127.f, 127.f));
}

// xq[0, LD) = x quantised (zeros past N); returns the scale. The AVX-512
// path does the same float operations (exact max, one multiply, rounding to
// nearest even), so the bytes match the plain loop's.
template <int N, int LD>
inline float quantise_vector(const real* __restrict x, int8_t* __restrict xq) {
  static_assert(LD >= N, "room for the vector");
#if defined(__AVX512F__)
  constexpr int V = sizeof(real) == 4 ? N / 16 * 16 : 0;  // the part in whole registers
#else
  constexpr int V = 0;
#endif
  float m = 0;
#if defined(__AVX512F__)
  if constexpr (V > 0) {
    __m512 mx = _mm512_setzero_ps();
    for (int k = 0; k < V; k += 16) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(x + k)));
    m = _mm512_reduce_max_ps(mx);
  }
#endif
  for (int k = V; k < N; ++k) m = std::max(m, std::fabs(float(x[k])));
  const Int8Scale s(m);
#if defined(__AVX512F__)
  if constexpr (V > 0) {
    const __m512 inv = _mm512_set1_ps(s.inv);
    for (int k = 0; k < V; k += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(xq + k),
                       _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + k), inv))));
  }
#endif
  for (int k = V; k < N; ++k) xq[k] = quantise_one(float(x[k]), s.inv);
  for (int k = N; k < LD; ++k) xq[k] = 0;
  return s.scale;
}

// ---- One vector (-n 1): sums[r] = sum over k of xq[k] * row r's bytes, exact ----

#if defined(__AVX2__)
inline int32_t sum_lanes_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}
#endif

// Rows [0, rows) of w (stride LD, a multiple of 64) times xq, four rows at a
// time so that each load of x serves four rows.
template <int LD>
inline void int8_row_sums(const int8_t* __restrict w, const int32_t* offset, int rows, const int8_t* __restrict xq,
                          int32_t* __restrict sums) {
  static_assert(LD % 64 == 0, "whole lines");
  constexpr int R = 4;
  (void)offset;
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
  alignas(64) uint8_t xu[LD];
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int k = 0; k < LD; k += 64)
    _mm512_store_si512(xu + k, _mm512_xor_si512(_mm512_loadu_si512(xq + k), flip));
  int r = 0;
  auto block = [&](auto rows_c) {
    constexpr int B = decltype(rows_c)::value;
    __m512i acc[B];
    for (int b = 0; b < B; ++b) acc[b] = _mm512_setzero_si512();
    for (int k = 0; k < LD; k += 64) {
      const __m512i xv = _mm512_load_si512(xu + k);
      for (int b = 0; b < B; ++b)
        acc[b] = _mm512_dpbusd_epi32(acc[b], xv, _mm512_loadu_si512(w + size_t(r + b) * LD + k));
    }
    for (int b = 0; b < B; ++b) sums[r + b] = _mm512_reduce_add_epi32(acc[b]) - offset[r + b];
  };
  for (; r + R <= rows; r += R) block(std::integral_constant<int, R>());
  for (; r < rows; ++r) block(std::integral_constant<int, 1>());
#elif defined(__AVXVNNI__) && defined(__AVX2__)
  alignas(32) uint8_t xu[LD];
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  for (int k = 0; k < LD; k += 32)
    _mm256_store_si256(reinterpret_cast<__m256i*>(xu + k),
                       _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + k)), flip));
  int r = 0;
  auto block = [&](auto rows_c) {
    constexpr int B = decltype(rows_c)::value;
    __m256i acc[B];
    for (int b = 0; b < B; ++b) acc[b] = _mm256_setzero_si256();
    for (int k = 0; k < LD; k += 32) {
      const __m256i xv = _mm256_load_si256(reinterpret_cast<const __m256i*>(xu + k));
      for (int b = 0; b < B; ++b)
        acc[b] = _mm256_dpbusd_avx_epi32(
            acc[b], xv, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + size_t(r + b) * LD + k)));
    }
    for (int b = 0; b < B; ++b) sums[r + b] = sum_lanes_epi32(acc[b]) - offset[r + b];
  };
  for (; r + R <= rows; r += R) block(std::integral_constant<int, R>());
  for (; r < rows; ++r) block(std::integral_constant<int, 1>());
#elif defined(__AVX2__)
  // No VNNI: vpmaddubsw (unsigned x signed byte pairs, saturating int16
  // sums) on |x| and the weights with x's sign, whose pair sums stay within
  // 2 * 127 * 127, so never saturate; vpmaddwd by ones widens them to int32.
  const __m256i ones = _mm256_set1_epi16(1);
  int r = 0;
  auto block = [&](auto rows_c) {
    constexpr int B = decltype(rows_c)::value;
    __m256i acc[B];
    for (int b = 0; b < B; ++b) acc[b] = _mm256_setzero_si256();
    for (int k = 0; k < LD; k += 32) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + k));
      const __m256i ax = _mm256_abs_epi8(xv);
      for (int b = 0; b < B; ++b) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + size_t(r + b) * LD + k));
        const __m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv));
        acc[b] = _mm256_add_epi32(acc[b], _mm256_madd_epi16(p, ones));
      }
    }
    for (int b = 0; b < B; ++b) sums[r + b] = sum_lanes_epi32(acc[b]);
  };
  for (; r + R <= rows; r += R) block(std::integral_constant<int, R>());
  for (; r < rows; ++r) block(std::integral_constant<int, 1>());
#else
  for (int r = 0; r < rows; ++r) {
    int32_t s = 0;
    for (int k = 0; k < LD; ++k) s += int32_t(xq[k]) * w[size_t(r) * LD + k];
    sums[r] = s;
  }
#endif
}

// out[j - j0] = row j of w times x, for j in [j0, j1): x quantised once a
// call (each thread quantises its own copy; a 1024-float vector costs far
// less than its rows).
template <int N>
inline void int8_rows_dot(const Int8Weights& w, int j0, int j1, const real* x, real* out) {
  static_assert(N <= kInt8MaxIn, "exact int32 sums");
  constexpr int LD = int8_stride(N), CHUNK = 64;
  alignas(64) int8_t xq[LD];
  const float sx = quantise_vector<N, LD>(x, xq);
  int32_t sums[CHUNK];
  for (int j = j0; j < j1; j += CHUNK) {
    const int m = std::min(CHUNK, j1 - j);
    int8_row_sums<LD>(w.q.data() + size_t(j) * LD, w.offset.data() + j, m, xq, sums);
    for (int r = 0; r < m; ++r) out[j - j0 + r] = real(float(sums[r]) * (w.scale[j + r] * sx));
  }
}

// ---- n samples (generate -n): Z[OUT][n] = W X, X feature-major [IN][n] ----

// Columns are padded to whole 16-sample registers.
constexpr int int8_padded_columns(int n) { return (n + 15) / 16 * 16; }

// X's columns quantised one scale each, as quantise_vector would each
// sample's vector (so the bytes are the same), and packed as the batch
// kernel reads them: [LD/4][npad][4], four consecutive inputs of a sample
// in one 32-bit word (vpdpbusd's and vpmaddwd's groups); q ^ 0x80 where
// kInt8UnsignedX.
template <int IN>
inline void quantise_columns(const real* X, int n, std::vector<int8_t>& packed, std::vector<float>& sx) {
  constexpr int LD = int8_stride(IN);
  const int npad = int8_padded_columns(n);
  const int8_t zero = kInt8UnsignedX ? int8_t(-128) : int8_t(0);
  thread_local std::vector<float> m, inv;
  m.assign(npad, 0.f);
  inv.assign(npad, 0.f);
  sx.assign(npad, 0.f);
  packed.resize(size_t(LD) * npad);
#if defined(__AVX512F__) && defined(__AVX512BW__)
  if constexpr (sizeof(real) == 4) {
    // 16 samples a register, the same float operations as the plain loop
    // below; four inputs' bytes are put side by side in each 32-bit lane.
    for (int s = 0; s < npad; s += 16) {
      const __mmask16 in_n = n - s >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - s)) - 1);
      __m512 mx = _mm512_setzero_ps();
      for (int k = 0; k < IN; ++k)
        mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_maskz_loadu_ps(in_n, X + size_t(k) * n + s)));
      _mm512_storeu_ps(m.data() + s, mx);
      for (int l = 0; l < 16 && s + l < n; ++l) {
        const Int8Scale sc(m[s + l]);
        sx[s + l] = sc.scale;
        inv[s + l] = sc.inv;
      }
      const __m512 iv = _mm512_loadu_ps(inv.data() + s);
      const __m512i low = _mm512_set1_epi32(0xff), flip = _mm512_set1_epi32(kInt8UnsignedX ? int(0x80808080u) : 0);
      for (int k = 0; k < LD; k += 4) {
        __m512i word = _mm512_setzero_si512();
        for (int i = 0; i < 4 && k + i < IN; ++i) {
          const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(in_n, X + size_t(k + i) * n + s), iv);
          const __m512i q = _mm512_and_si512(_mm512_cvtps_epi32(v), low);
          word = _mm512_or_si512(word, _mm512_slli_epi32(q, 8 * i));
        }
        _mm512_storeu_si512(packed.data() + size_t(k) * npad + 4 * s, _mm512_xor_si512(word, flip));
      }
    }
    return;
  }
#endif
  for (int k = 0; k < IN; ++k)
    for (int s = 0; s < n; ++s) m[s] = std::max(m[s], std::fabs(float(X[size_t(k) * n + s])));
  for (int s = 0; s < n; ++s) {
    const Int8Scale sc(m[s]);
    sx[s] = sc.scale;
    inv[s] = sc.inv;
  }
  std::fill(packed.begin(), packed.end(), zero);
  for (int k = 0; k < IN; ++k) {
    int8_t* p = packed.data() + size_t(k / 4) * npad * 4 + k % 4;
    for (int s = 0; s < n; ++s) p[4 * s] = int8_t(quantise_one(float(X[size_t(k) * n + s]), inv[s]) ^ zero);
  }
}

// Rows i0..i0+rows-1 (rows <= kInt8BatchRows) of Z, all n columns, from the
// packed columns P: MR rows and two registers of samples a block, one
// broadcast of four weights per row serving every sample in the registers.
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
constexpr int kInt8BatchRows = 8;
template <int LD>
inline void int8_batch_block(const Int8Weights& w, int i0, int rows, const int8_t* P, const float* sx, real* Z,
                             int n) {
  constexpr int MR = kInt8BatchRows;
  const int npad = int8_padded_columns(n);
  const int8_t* W = w.q.data() + size_t(i0) * LD;
  for (int j = 0; j < npad; j += 32) {
    const bool two = j + 32 <= npad;
    __m512i c0[MR], c1[MR];
    for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_si512();
    for (int k = 0; k < LD; k += 4) {
      const int8_t* prow = P + size_t(k) * npad + 4 * j;
      const __m512i x0 = _mm512_loadu_si512(prow), x1 = two ? _mm512_loadu_si512(prow + 64) : _mm512_setzero_si512();
      for (int i = 0; i < MR; ++i) {
        int32_t quad;
        std::memcpy(&quad, W + size_t(i) * LD + k, 4);
        const __m512i a = _mm512_set1_epi32(quad);
        c0[i] = _mm512_dpbusd_epi32(c0[i], x0, a);
        c1[i] = _mm512_dpbusd_epi32(c1[i], x1, a);
      }
    }
    for (int i = 0; i < rows; ++i) {
      const __m512 ws = _mm512_set1_ps(w.scale[i0 + i]);
      const __m512i off = _mm512_set1_epi32(w.offset[i0 + i]);
      for (int h = 0; h < (two ? 2 : 1); ++h) {
        const int s = j + 16 * h;
        if (s >= n) break;
        const __m512 scale = _mm512_mul_ps(ws, _mm512_loadu_ps(sx + s));
        const __m512 z = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(h ? c1[i] : c0[i], off)), scale);
        const __mmask16 mask = n - s >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - s)) - 1);
        _mm512_mask_storeu_ps(Z + size_t(i0 + i) * n + s, mask, z);
      }
    }
  }
}
#elif defined(__AVX2__)
constexpr int kInt8BatchRows = 4;
template <int LD>
inline void int8_batch_block(const Int8Weights& w, int i0, int rows, const int8_t* P, const float* sx, real* Z,
                             int n) {
  constexpr int MR = kInt8BatchRows;
  const int npad = int8_padded_columns(n);
  const int8_t* W = w.q.data() + size_t(i0) * LD;
  for (int j = 0; j < npad; j += 16) {
    __m256i c0[MR], c1[MR];
    for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm256_setzero_si256();
    for (int k = 0; k < LD; k += 4) {
      const int8_t* prow = P + size_t(k) * npad + 4 * j;
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prow));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prow + 32));
#if defined(__AVXVNNI__)
      for (int i = 0; i < MR; ++i) {
        int32_t quad;
        std::memcpy(&quad, W + size_t(i) * LD + k, 4);
        const __m256i a = _mm256_set1_epi32(quad);
        c0[i] = _mm256_dpbusd_avx_epi32(c0[i], x0, a);
        c1[i] = _mm256_dpbusd_avx_epi32(c1[i], x1, a);
      }
#else
      const __m256i ones = _mm256_set1_epi16(1);
      const __m256i a0 = _mm256_abs_epi8(x0), a1 = _mm256_abs_epi8(x1);
      for (int i = 0; i < MR; ++i) {
        int32_t quad;
        std::memcpy(&quad, W + size_t(i) * LD + k, 4);
        const __m256i a = _mm256_set1_epi32(quad);
        c0[i] = _mm256_add_epi32(c0[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a0, _mm256_sign_epi8(a, x0)), ones));
        c1[i] = _mm256_add_epi32(c1[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a1, _mm256_sign_epi8(a, x1)), ones));
      }
#endif
    }
    for (int i = 0; i < rows; ++i) {
      const __m256 ws = _mm256_set1_ps(w.scale[i0 + i]);
      const __m256i off = _mm256_set1_epi32(kInt8UnsignedX ? w.offset[i0 + i] : 0);
      for (int h = 0; h < 2; ++h) {
        const int s = j + 8 * h;
        const __m256 scale = _mm256_mul_ps(ws, _mm256_loadu_ps(sx + s));
        const __m256 z = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(h ? c1[i] : c0[i], off)), scale);
        alignas(32) float t[8];
        _mm256_store_ps(t, z);
        for (int l = 0; l < 8 && s + l < n; ++l) Z[size_t(i0 + i) * n + s + l] = t[l];
      }
    }
  }
}
#else
constexpr int kInt8BatchRows = 4;
template <int LD>
inline void int8_batch_block(const Int8Weights& w, int i0, int rows, const int8_t* P, const float* sx, real* Z,
                             int n) {
  const int npad = int8_padded_columns(n);
  for (int i = 0; i < rows; ++i) {
    const int8_t* row = w.q.data() + size_t(i0 + i) * LD;
    for (int s = 0; s < n; ++s) {
      int32_t acc = 0;
      for (int k = 0; k < LD; ++k) acc += int32_t(P[size_t(k / 4) * npad * 4 + 4 * s + k % 4]) * row[k];
      Z[size_t(i0 + i) * n + s] = real(float(acc) * (w.scale[i0 + i] * sx[s]));
    }
  }
}
#endif

// Rows i0..i1 of Z[OUT][n] = W X: X quantised once, then blocks of
// kInt8BatchRows rows, over the threads when `threaded`.
template <int IN>
inline void int8_batch_product(const Int8Weights& w, const real* X, real* Z, int n, int i0, int i1, bool threaded) {
  static_assert(IN <= kInt8MaxIn, "exact int32 sums");
  constexpr int LD = int8_stride(IN), MR = kInt8BatchRows;
  thread_local std::vector<int8_t> packed;
  thread_local std::vector<float> sx;
  quantise_columns<IN>(X, n, packed, sx);
  const int8_t* P = packed.data();
  const float* S = sx.data();
  auto blocks = [&](int b0, int b1) {
    for (int b = b0; b < b1; ++b) {
      const int i = i0 + b * MR;
      int8_batch_block<LD>(w, i, std::min(MR, i1 - i), P, S, Z, n);
    }
  };
  const int nblocks = (i1 - i0 + MR - 1) / MR;
  if (threaded)
    parallel_blocks(nblocks, std::max(1, 48 / MR), [&](int b0, int b1) { blocks(b0, b1); });
  else
    blocks(0, nblocks);
}

}  // namespace rnnc
