// Which matrix product wins at the shapes training and generate -n run:
// rnnc's own kernels (runtime/rnnc/gemm.h and dense/batch.h, what the
// generated programs use) or OpenBLAS's sgemm, both on every core. Prints one
// row per shape with GFLOP/s of each.
// Built and run by bench/run.sh:  g++ -O3 -march=native -I runtime ... -lopenblas
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "rnnc/dense/batch.h"
#include "rnnc/gemm.h"

namespace {

double seconds_per_call(const std::function<void()>& f) {
  using clock = std::chrono::steady_clock;
  f();  // warm up
  int reps = 0;
  auto t0 = clock::now();
  double t = 0;
  do {
    f();
    ++reps;
    t = std::chrono::duration<double>(clock::now() - t0).count();
  } while (t < 0.4);
  return t / reps;
}

struct Shape {
  const char* what;
  int M, N, K;
  bool tn;  // C += A^T B (weight gradients), else C = A B
};

}  // namespace

int main() {
  const Shape shapes[] = {
      {"tiny: one step, 16 streams x 96 <- 96", 16, 96, 96, false},
      {"tiny: a layer's 1024 rows x 96 <- 96", 1024, 96, 96, false},
      {"tiny: output, 1024 rows x 256 <- 96", 1024, 256, 96, false},
      {"tiny: weight gradient 96 x 96 over 1024 rows", 96, 96, 1024, true},
      {"rnn.train: one step, 128 streams x 1024 <- 1024", 128, 1024, 1024, false},
      {"rnn.train: 2048 rows x 1024 <- 1024", 2048, 1024, 1024, false},
      {"rnn.train: weight gradient 1024 x 1024 over 2048 rows", 1024, 1024, 2048, true},
  };
  // "programs use": what a generated program runs at this shape when rnnc
  // linked OpenBLAS into it (gemm.h's blas_wins; models with sub-layers
  // 512 wide or more), else rnnc's kernels everywhere.
  std::printf("| %-54s | %12s | %16s | %9s | %13s |\n", "product (M x N <- K)", "rnnc GFLOP/s", "OpenBLAS GFLOP/s",
              "rnnc/BLAS", "programs use");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(56, '-').c_str(), std::string(14, '-').c_str(),
              std::string(18, '-').c_str(), std::string(11, '-').c_str(), std::string(15, '-').c_str());
  for (const Shape& s : shapes) {
    const int M = s.M, N = s.N, K = s.K;
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N), C(static_cast<size_t>(M) * N);
    for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>(i % 7) * 0.1f;
    for (size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>(i % 5) * 0.1f;
    double ours, blas;
    if (s.tn) {
      // A is stored [K][M] here, as a delta matrix is.
      ours = seconds_per_call([&] { rnnc::gemm_tn_acc(M, N, K, A.data(), B.data(), C.data()); });
      blas = seconds_per_call([&] {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1, A.data(), M, B.data(), N, 1, C.data(), N);
      });
    } else {
      ours = seconds_per_call([&] { rnnc::gemm_nn(M, N, K, A.data(), B.data(), C.data(), false); });
      blas = seconds_per_call([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, A.data(), K, B.data(), N, 0, C.data(), N);
      });
    }
    const double flop = 2.0 * M * N * K;
    std::printf("| %-54s | %12.1f | %16.1f | %9.0f%% | %13s |\n", s.what, flop / ours / 1e9, flop / blas / 1e9,
                100 * blas / ours, rnnc::blas_wins(M, N, K) ? "OpenBLAS" : "rnnc");
  }
  // generate -n 32 of cfg/rnn.cfg: each step multiplies its nine 1024 x 1024
  // weight matrices (36 MB, more than the L3) by 32 sample columns; rnnc reads
  // them as panels (dense/batch.h), as the generated program does.
  constexpr int kMatrices = 9, H = 1024, S = 32;
  std::vector<rnnc::InferenceDense> W(kMatrices);
  for (auto& d : W) {
    d.w.resize(size_t(H) * H);
    for (size_t i = 0; i < d.w.size(); ++i) d.w[i] = static_cast<float>(i % 7) * 0.1f;
    d.b.assign(H, 0);
    rnnc::prepare_batch_weights(d);
  }
  std::vector<float> X(size_t(H) * S, 0.1f), Z(size_t(H) * S);
  const double ours = seconds_per_call([&] {
    for (const auto& d : W) rnnc::batch_product<H, H>(d, X.data(), Z.data(), S);
  });
  const double blas = seconds_per_call([&] {
    for (const auto& d : W)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, H, S, H, 1, d.w.data(), H, X.data(), S, 0, Z.data(), S);
  });
  const double flop = 2.0 * kMatrices * H * H * S;
  std::printf("| %-54s | %12.1f | %16.1f | %9.0f%% | %13s |\n",
              "rnn.cfg generate -n 32: 9 x (1024 x 1024) x 32 samples", flop / ours / 1e9, flop / blas / 1e9,
              100 * blas / ours, "rnnc");
  return 0;
}
