// Which kernel runs each matrix product of training: the plan rnnc decided
// when it built the program (compiler/plan/, `rnnc --plan`), emitted into
// program.cpp as a table of named constants and handed over by main before
// any command runs. A product the table does not list (or a program without a
// table: the unit tests, the bench) follows the fixed rule, fixed_kernel.
#pragma once
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "vocabulary.h"  // kBlasMinWidth

namespace rnnc {

// The kernels a product can run on; a library only where the program links it
// (RNNC_BLAS, RNNC_DNNL), rnnc's own micro-kernels otherwise.
enum class ProductKernel : unsigned char { Rnnc, OpenBlas, Dnnl };

// What a training product computes, for the table's reader: C = A B (a
// forward pass), C += A^T B (a weight gradient, A read down its columns),
// C += A B (an input gradient).
enum class ProductRole : unsigned char { Forward, WeightGradient, InputGradient };

// One product of the program: C is M x N, summed over K.
struct PlannedProduct {
  int M, N, K;
  ProductRole role;
  ProductKernel kernel;
};

// The program's table: its first entry and how many there are.
struct ProductPlan {
  const PlannedProduct* products = nullptr;
  int count = 0;
};

// The one table of this program (an inline function's static: the same
// object in both of a program's compilation units).
inline ProductPlan& product_plan() {
  static ProductPlan plan;
  return plan;
}

template <int N>
inline void use_product_plan(const PlannedProduct (&table)[N]) {
  product_plan() = {table, N};
}

// The machine-independent rule (`rnnc --plan fixed`, and every product before
// plans): OpenBLAS's sgemm for the products of 256 rows or more with both
// widths at least kBlasMinWidth, the 1024-wide products over a whole sequence
// (bench/gemm_vs_blas.cpp, Zen 3: +17% on 2048 x 1024 <- 1024, +32% on the
// weight gradient; behind at 128 rows and at 96 wide), rnnc's kernels
// everywhere else.
constexpr ProductKernel fixed_kernel(int M, int N, int K) {
  return M >= 256 && N >= kBlasMinWidth && K >= kBlasMinWidth ? ProductKernel::OpenBlas : ProductKernel::Rnnc;
}

// A measured plan (`rnnc --plan measured`) gives a product to a library only
// where it beat rnnc's kernels by this factor: rnnc's sum in darknet's order
// and need nothing at run time, and a near tie is the machine's noise.
inline constexpr double kLibraryMargin = 1.05;

// The kernel the plan gives the product M x N <- K (a_transposed: A read down
// its columns, a weight gradient). A forward pass and an input gradient of
// one shape share their entry: the same kernel serves both.
inline ProductKernel planned_kernel(int M, int N, int K, bool a_transposed) {
  const ProductPlan& plan = product_plan();
  for (int i = 0; i < plan.count; ++i) {
    const PlannedProduct& p = plan.products[i];
    if (p.M == M && p.N == N && p.K == K && (p.role == ProductRole::WeightGradient) == a_transposed) return p.kernel;
  }
  return fixed_kernel(M, N, K);
}

// Whether the CPU has AMX-BF16 (cpuid leaf 7: EDX bit 22) and the OS keeps
// AMX state (XCR0 bits 17 and 18). There train -precision bf16 runs its
// products on oneDNN (gemm_bf16.h), which has AMX kernels and rnnc does not;
// rnnc --dnnl links oneDNN for it on such a machine.
inline bool cpu_has_amx_bf16() {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 22))) return false;
  __get_cpuid(1, &a, &b, &c, &d);
  if (!(c & (1u << 27))) return false;  // OSXSAVE: xgetbv may be read
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & (3u << 17)) == (3u << 17);
#else
  return false;
#endif
}

}  // namespace rnnc
