// Which kernel wins each matrix product of training and generate -n: rnnc's
// own (runtime/rnnc/gemm.h and dense/batch.h), OpenBLAS's sgemm and, where
// this bench links it (-DRNNC_DNNL -ldnnl), oneDNN's matmul in fp32 and in
// bf16 (bf16 inputs, fp32 sums: not a plan candidate, for reference), all on
// every core. The library products run as a generated program runs them
// (gemm.h's gemm_on: rnnc's threads share the rows, one sgemm each; oneDNN
// on its own threads). "plan picks": what `rnnc --plan measured` would choose
// from these rates (a library must beat rnnc's kernels by kLibraryMargin).
// Built and run by bench/run.sh:  g++ -O3 -march=native -I runtime -DRNNC_BLAS ... -lopenblas [-DRNNC_DNNL -ldnnl]
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
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

#if defined(RNNC_DNNL)
// oneDNN's matmul on bf16 copies of A and B, fp32 C: seconds per call.
double dnnl_bf16_seconds(const Shape& s, const std::vector<float>& A, const std::vector<float>& B, std::vector<float>& C) {
  using dims = dnnl::memory::dims;
  using dt = dnnl::memory::data_type;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::vector<uint16_t> a(A.size()), b(B.size());
  for (size_t i = 0; i < A.size(); ++i) a[i] = rnnc::to_bf16(A[i]);
  for (size_t i = 0; i < B.size(); ++i) b[i] = rnnc::to_bf16(B[i]);
  const dnnl::memory::desc a_md(dims{s.M, s.K}, dt::bf16, s.tn ? dims{1, s.M} : dims{s.K, 1});
  const dnnl::memory::desc b_md(dims{s.K, s.N}, dt::bf16, dims{s.N, 1});
  const dnnl::memory::desc c_md(dims{s.M, s.N}, dt::f32, dims{s.N, 1});
  dnnl::matmul product(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine));
  dnnl::memory am(a_md, engine, a.data()), bm(b_md, engine, b.data()), cm(c_md, engine, C.data());
  return seconds_per_call([&] {
    product.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream.wait();
  });
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using rnnc::ProductKernel;
  // --dnnl M N K: only oneDNN's best fp32 GFLOP/s on C = A B (M x N <- K), "n/a"
  // where not linked: bench/run.sh's reference for the training step.
  if (argc == 5 && std::string(argv[1]) == "--dnnl") {
    const int M = std::atoi(argv[2]), N = std::atoi(argv[3]), K = std::atoi(argv[4]);
    if (!rnnc::kDnnlLinked || M <= 0 || N <= 0 || K <= 0) return std::printf("n/a\n"), 0;
    std::vector<float> A(size_t(M) * K, 0.1f), B(size_t(K) * N, 0.2f), C(size_t(M) * N);
    // B in either layout, the faster counting: [K][N], and [N][K] (a weight
    // matrix as a forward product reads it; ~7% faster at 128 x 1024 <- 1024
    // on the Xeon of 2026-11-29).
    double s = 1e30;
    for (const ptrdiff_t bk : {ptrdiff_t(N), ptrdiff_t(1)})
      s = std::min(s, seconds_per_call([&] {
                     rnnc::gemm_on_library(ProductKernel::Dnnl, M, N, K, A.data(), K, 1, B.data(), bk,
                                           bk == 1 ? K : 1, C.data(), false);
                   }));
    std::printf("%.1f\n", 2.0 * M * N * K / s / 1e9);
    return 0;
  }
  const Shape shapes[] = {
      {"tiny: one step, 16 streams x 96 <- 96", 16, 96, 96, false},
      {"tiny: a layer's 1024 rows x 96 <- 96", 1024, 96, 96, false},
      {"tiny: output, 1024 rows x 256 <- 96", 1024, 256, 96, false},
      {"tiny: weight gradient 96 x 96 over 1024 rows", 96, 96, 1024, true},
      {"rnn.train: one step, 128 streams x 1024 <- 1024", 128, 1024, 1024, false},
      {"rnn.train: 512 rows x 1024 <- 1024 (as rnnc times it)", 512, 1024, 1024, false},
      {"rnn.train: 2048 rows x 1024 <- 1024", 2048, 1024, 1024, false},
      {"rnn.train: weight gradient 1024 x 1024 over 512 rows", 1024, 1024, 512, true},
      {"rnn.train: weight gradient 1024 x 1024 over 2048 rows", 1024, 1024, 2048, true},
  };
  std::printf("GFLOP/s; \"-\": not linked into this bench. plan/best: the plan's pick against the fastest fp32 kernel.\n\n");
  std::printf("| %-56s | %6s | %8s | %11s | %11s | %10s | %9s |\n", "product (M x N <- K)", "rnnc", "OpenBLAS",
              "oneDNN fp32", "oneDNN bf16", "plan picks", "plan/best");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(58, '-').c_str(), std::string(8, '-').c_str(),
              std::string(10, '-').c_str(), std::string(13, '-').c_str(), std::string(13, '-').c_str(),
              std::string(12, '-').c_str(), std::string(11, '-').c_str());
  for (const Shape& s : shapes) {
    const int M = s.M, N = s.N, K = s.K;
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N), C(static_cast<size_t>(M) * N);
    for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>(i % 7) * 0.1f;
    for (size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>(i % 5) * 0.1f;
    const ptrdiff_t ai = s.tn ? 1 : K, ak = s.tn ? M : 1;  // A stored [K][M] for a weight gradient, as a delta is
    const double flop = 2.0 * M * N * K;
    auto rate = [&](ProductKernel k) {
      return flop / seconds_per_call([&] { rnnc::gemm_on(k, M, N, K, A.data(), ai, ak, B.data(), C.data(), s.tn); }) / 1e9;
    };
    const double ours = rate(ProductKernel::Rnnc);
    const double blas = rnnc::kOpenBlasLinked ? rate(ProductKernel::OpenBlas) : 0;
    const double dnnl = rnnc::kDnnlLinked ? rate(ProductKernel::Dnnl) : 0;
    double bf16 = 0;
#if defined(RNNC_DNNL)
    bf16 = flop / dnnl_bf16_seconds(s, A, B, C) / 1e9;
#endif
    ProductKernel pick = ProductKernel::Rnnc;
    double picked = ours, bar = ours * rnnc::kLibraryMargin;
    if (blas > bar) pick = ProductKernel::OpenBlas, picked = blas, bar = blas;
    if (dnnl > bar) pick = ProductKernel::Dnnl, picked = dnnl;
    const double best = std::max(ours, std::max(blas, dnnl));
    auto cell = [](double v) {
      char text[32];
      std::snprintf(text, sizeof text, "%.1f", v);
      return v > 0 ? std::string(text) : std::string("-");
    };
    std::printf("| %-56s | %6.1f | %8s | %11s | %11s | %10s | %8.0f%% |\n", s.what, ours, cell(blas).c_str(),
                cell(dnnl).c_str(), cell(bf16).c_str(),
                pick == ProductKernel::Rnnc ? "rnnc" : pick == ProductKernel::OpenBlas ? "OpenBLAS" : "oneDNN",
                100 * picked / best);
  }
  // generate -n 32 of cfg/rnn.cfg: each step multiplies its nine 1024 x 1024
  // weight matrices (36 MB, more than the L3) by 32 sample columns; rnnc reads
  // them as panels (dense/batch.h), as the generated program does (generate
  // -n is not planned: rnnc's panels always).
  constexpr int kMatrices = 9, H = 1024, S = 32;
  std::vector<rnnc::InferenceDense> W(kMatrices);
  for (auto& d : W) {
    d.w.resize(size_t(H) * H);
    for (size_t i = 0; i < d.w.size(); ++i) d.w[i] = static_cast<float>(i % 7) * 0.1f;
    d.b.assign(H, 0);
    rnnc::prepare_batch_weights(d, S);
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
  std::printf("| %-56s | %6.1f | %8.0f | %11s | %11s | %10s | %9s |\n",
              "rnn.cfg generate -n 32: 9 x (1024 x 1024) x 32 samples", flop / ours / 1e9, flop / blas / 1e9, "", "",
              "rnnc", "");
  std::printf("\n(the generate -n row's OpenBLAS: its own threads, OPENBLAS_NUM_THREADS)\n");
  return 0;
}
