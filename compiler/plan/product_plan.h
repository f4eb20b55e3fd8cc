// The plan: which kernel runs each matrix product of a model's training
// (issue 15). `--plan fixed` is the machine-independent rule of
// rnnc/product_plan.h; `--plan measured` times the candidates on this machine
// (compiler/plan/measure.cpp) and keeps the fastest. Either way the plan is
// emitted into the program as a table of named constants.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "rnnc/product_plan.h"

namespace rnnc {

enum class PlanMode { Fixed, Measured };

// One product of training, as the layers run it (runtime/rnnc/dense/train.h,
// layers/*.h): C (M x N) summed over K.
struct PlanEntry {
  std::string sublayer;  // "rnn1.self"
  ProductRole role = ProductRole::Forward;
  bool one_step = false;  // one time step's rows (a recurrent sub-layer), else the whole batch's
  bool wide = false;      // both of the sub-layer's widths at least kBlasMinWidth: a library may run it
  int M = 0, N = 0, K = 0;
  ProductKernel kernel = ProductKernel::Rnnc;
  std::map<ProductKernel, double> gflops;  // measured (--plan measured), per candidate
};

struct ProductPlanTable {
  PlanMode mode = PlanMode::Fixed;
  std::vector<PlanEntry> products;
  std::string timed_on;  // "Intel(R) Xeon(R) ..., 2 threads" where measured
};

// Every product of the model's training: for each sub-layer that is not
// one-hot (the first layer's input), its forward pass, weight gradient and
// (past the first layer) input gradient, over the batch's rows, or one time
// step's for the recurrent sub-layers, whose weight gradient still sums over
// the whole batch.
std::vector<PlanEntry> training_products(const Model& m);

// The fixed rule's kernels: OpenBLAS where rnnc/product_plan.h's fixed_kernel
// says so and `openblas` (a static OpenBLAS is linked), else rnnc's.
ProductPlanTable fixed_plan(const Model& m, bool openblas);

// The product's shape as timed: at most kTimedRows rows of a forward or input
// gradient, so that timing stays a few ms per candidate (the rows are
// independent work, so the rate carries over). A weight gradient sums over
// its rows (its K): at most kTimedSumRows of them, because C is read and
// written once per call, and a shorter sum weighs that traffic more than the
// program will (cfg/rnn.train.cfg's 1024 x 1024 <- 2048, Xeon: rnnc 260 and
// oneDNN 299 GFLOP/s timed at 512, 249 and 285 at 2048, the program's).
// Wider weight gradients sum over fewer rows, down to kTimedRows, so that one
// timed call stays within kMaxTimedFlops (a product that exceeds it even so is
// not timed: measure.cpp gives it the fixed rule).
constexpr int kTimedRows = 512;
constexpr int kTimedSumRows = 2048;
constexpr double kMaxTimedFlops = 4.4e9;  // 1024 x 1024 <- 2048 and less
void timed_shape(const PlanEntry& p, int& M, int& N, int& K);

// The kernel a measured product gets: the fastest, except that a library
// must beat rnnc's own kernels by kLibraryMargin (rnnc/product_plan.h).
ProductKernel fastest(const std::map<ProductKernel, double>& gflops);

const char* kernel_name(ProductKernel k);  // "rnnc", "OpenBLAS", "oneDNN"
const char* role_name(ProductRole r);      // "forward", "weight gradient", "input gradient"
bool plan_uses(const ProductPlanTable& plan, ProductKernel k);

// The C++ the program carries: one named constant per product (kRnn1SelfForward)
// with its measured rates in a comment, and kProductPlan listing them; "" when
// the model has no products.
std::string plan_constants(const ProductPlanTable& plan);

// What --show-plan prints: one line per product, its kernel and GFLOP/s.
std::string describe_plan(const ProductPlanTable& plan);
// For the summary line: "plan measured: 3 of 9 products on OpenBLAS".
std::string plan_summary(const ProductPlanTable& plan);

}  // namespace rnnc
