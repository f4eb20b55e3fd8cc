// The three matrix products training needs, row-major, written as axpy
// loops over contiguous rows so that they vectorise without reordering any
// sum (each output element accumulates in index order: deterministic, and
// the same on every run). Work is split over threads by output rows.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

#include "../params.h"
#include "threads.h"

namespace rnnc::train {

// C[M][N] (+)= A[M][K] * B[K][N]
inline void gemm_nn(int M, int N, int K, const real* A, const real* B, real* C, bool accumulate) {
  parallel_for(M, [&](int i0, int i1) {
    for (int i = i0; i < i1; ++i) {
      real* c = C + static_cast<size_t>(i) * N;
      if (!accumulate) std::fill(c, c + N, real(0));
      const real* a = A + static_cast<size_t>(i) * K;
      for (int k = 0; k < K; ++k) {
        real av = a[k];
        if (av == 0) continue;  // one-hot and ReLU-sparse rows are common
        const real* b = B + static_cast<size_t>(k) * N;
        for (int j = 0; j < N; ++j) c[j] += av * b[j];
      }
    }
  });
}

// C[M][N] += A[K][M]^T * B[K][N]   (weight gradients: dW += dZ^T X)
inline void gemm_tn_acc(int M, int N, int K, const real* A, const real* B, real* C) {
  parallel_for(M, [&](int i0, int i1) {
    for (int k = 0; k < K; ++k) {
      const real* b = B + static_cast<size_t>(k) * N;
      const real* a = A + static_cast<size_t>(k) * M;
      for (int i = i0; i < i1; ++i) {
        real av = a[i];
        if (av == 0) continue;
        real* c = C + static_cast<size_t>(i) * N;
        for (int j = 0; j < N; ++j) c[j] += av * b[j];
      }
    }
  });
}

// W [out][in] -> WT [in][out], so that X W^T is a gemm_nn.
inline void transpose(int rows, int cols, const real* W, real* WT) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) WT[static_cast<size_t>(j) * rows + i] = W[static_cast<size_t>(i) * cols + j];
}

}  // namespace rnnc::train
