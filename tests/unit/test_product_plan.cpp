// The plan (compiler/plan/, runtime/rnnc/product_plan.h): the products it
// lists for a model, the fixed rule, the choice among measured rates, the
// constants it emits, and the runtime's look-up.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>

#include "cfg/cfg_reader.h"
#include "ir/lower.h"
#include "plan/product_plan.h"

using namespace rnnc;

namespace {

Model model(const char* cfg) {
  Diagnostics d;
  return lower(parse_cfg(cfg, "p.cfg"), d);
}

// 4 streams x 8 steps = 32 rows; rnn0 reads characters, lstm1 512 wide.
const char* kCfg =
    "[net]\ninputs=256\nbatch=4\ntime_steps=8\n[rnn]\noutput=64\n[lstm]\noutput=512\n[connected]\noutput=256\n"
    "[softmax]\n";

const PlanEntry* find(const std::vector<PlanEntry>& ps, const std::string& sub, ProductRole role) {
  for (const PlanEntry& p : ps)
    if (p.sublayer == sub && p.role == role) return &p;
  return nullptr;
}

}  // namespace

TEST_CASE("the plan lists every training product with the shape the layers run it at") {
  const std::vector<PlanEntry> ps = training_products(model(kCfg));
  // rnn0.input gathers rows (one-hot): no product.
  CHECK(find(ps, "rnn0.input", ProductRole::Forward) == nullptr);
  // The recurrent sub-layer runs a step (4 rows) at a time; its weight gradient sums over all 32.
  const PlanEntry* self = find(ps, "rnn0.self", ProductRole::Forward);
  REQUIRE(self);
  CHECK((self->M == 4 && self->N == 64 && self->K == 64 && self->one_step));
  const PlanEntry* self_dw = find(ps, "rnn0.self", ProductRole::WeightGradient);
  REQUIRE(self_dw);
  CHECK((self_dw->M == 64 && self_dw->N == 64 && self_dw->K == 32 && !self_dw->one_step));
  // The output sub-layer reads h over the whole batch.
  const PlanEntry* out = find(ps, "rnn0.output", ProductRole::InputGradient);
  REQUIRE(out);
  CHECK((out->M == 32 && out->N == 64 && out->K == 64 && !out->one_step));
  // The first layer's input: no input gradient past it.
  CHECK(find(ps, "rnn0.output", ProductRole::InputGradient) != nullptr);
  const PlanEntry* u = find(ps, "lstm1.uf", ProductRole::InputGradient);
  REQUIRE(u);
  CHECK((u->M == 32 && u->N == 64 && u->K == 512 && !u->wide));
  const PlanEntry* w = find(ps, "lstm1.wf", ProductRole::Forward);
  REQUIRE(w);
  CHECK((w->M == 4 && w->N == 512 && w->K == 512 && w->wide && w->one_step));
  CHECK(find(ps, "connected2", ProductRole::Forward)->M == 32);
}

TEST_CASE("the fixed plan is the fixed rule, and rnnc's kernels without OpenBLAS") {
  // 32 streams x 16 steps: 512 rows, so the rule gives OpenBLAS the wide whole-batch products.
  const Model m = model("[net]\ninputs=256\nbatch=32\ntime_steps=16\n[rnn]\noutput=512\n[connected]\noutput=256\n[softmax]\n");
  for (const PlanEntry& p : fixed_plan(m, true).products) CHECK(p.kernel == fixed_kernel(p.M, p.N, p.K));
  CHECK(find(fixed_plan(m, true).products, "rnn0.output", ProductRole::Forward)->kernel == ProductKernel::OpenBlas);
  CHECK(find(fixed_plan(m, true).products, "rnn0.self", ProductRole::Forward)->kernel == ProductKernel::Rnnc);
  for (const PlanEntry& p : fixed_plan(m, false).products) CHECK(p.kernel == ProductKernel::Rnnc);
}

TEST_CASE("a measured product takes the fastest kernel, a library only by a clear margin") {
  CHECK(fastest({{ProductKernel::Rnnc, 100}, {ProductKernel::OpenBlas, 104}}) == ProductKernel::Rnnc);
  CHECK(fastest({{ProductKernel::Rnnc, 100}, {ProductKernel::OpenBlas, 110}}) == ProductKernel::OpenBlas);
  CHECK(fastest({{ProductKernel::Rnnc, 100}, {ProductKernel::OpenBlas, 110}, {ProductKernel::Dnnl, 130}}) ==
        ProductKernel::Dnnl);
  CHECK(fastest({}) == ProductKernel::Rnnc);
}

TEST_CASE("products are timed on at most kTimedRows rows, weight gradients summing kTimedSumRows") {
  PlanEntry f;
  f.M = 73728, f.N = 1024, f.K = 1024;
  int M, N, K;
  timed_shape(f, M, N, K);
  CHECK((M == kTimedRows && N == 1024 && K == 1024));
  f.role = ProductRole::WeightGradient, f.M = 1024, f.K = 73728;
  timed_shape(f, M, N, K);
  CHECK((M == 1024 && N == 1024 && K == kTimedSumRows));
  // Wider: a shorter sum within kMaxTimedFlops, never below kTimedRows.
  f.M = 1536, f.N = 1536;
  timed_shape(f, M, N, K);
  CHECK((K > kTimedRows && K < kTimedSumRows && 2.0 * M * N * K <= kMaxTimedFlops));
  f.M = 4096, f.N = 4096;
  timed_shape(f, M, N, K);
  CHECK(K == kTimedRows);
}

TEST_CASE("the plan's constants name each product and list them in kProductPlan") {
  ProductPlanTable plan = fixed_plan(model(kCfg), true);
  plan.mode = PlanMode::Measured;
  plan.timed_on = "a CPU, 2 threads";
  PlanEntry& w = plan.products[0];
  w.gflops = {{ProductKernel::Rnnc, 12.5}, {ProductKernel::OpenBlas, 20}};
  w.kernel = ProductKernel::OpenBlas;
  const std::string text = plan_constants(plan);
  CHECK(text.find("timed\n// them on a CPU, 2 threads") != std::string::npos);
  CHECK(text.find("constexpr rnnc::PlannedProduct kRnn0SelfForward{4, 64, 64, Role::Forward, Kernel::OpenBlas};  // one "
                  "step; rnnc 12.5, OpenBLAS 20.0 GFLOP/s\n") != std::string::npos);
  CHECK(text.find("kLstm1WfWeightGradient{512, 512, 32, Role::WeightGradient, Kernel::Rnnc};") != std::string::npos);
  CHECK(text.find("constexpr rnnc::PlannedProduct kProductPlan[] = {kRnn0SelfForward, ") != std::string::npos);
  CHECK(plan_summary(plan) == fmt::format("plan measured: 1 of {} products on OpenBLAS", plan.products.size()));
  CHECK(describe_plan(plan).find("rnn0.self        forward         4 x 64 <- 64, one step         OpenBLAS "
                                 "(rnnc 12.5, OpenBLAS 20.0 GFLOP/s)") != std::string::npos);
  CHECK(plan_constants(ProductPlanTable{}).empty());
}

TEST_CASE("the runtime looks a product up in the program's table, else follows the fixed rule") {
  static constexpr PlannedProduct table[] = {{128, 1024, 1024, ProductRole::Forward, ProductKernel::Dnnl},
                                             {1024, 1024, 512, ProductRole::WeightGradient, ProductKernel::Rnnc}};
  const ProductPlan saved = product_plan();
  use_product_plan(table);
  CHECK(planned_kernel(128, 1024, 1024, false) == ProductKernel::Dnnl);
  CHECK(planned_kernel(1024, 1024, 512, true) == ProductKernel::Rnnc);
  // Not listed: the fixed rule (a weight gradient's shape read as a forward one is another product).
  CHECK(planned_kernel(1024, 1024, 512, false) == ProductKernel::OpenBlas);
  CHECK(planned_kernel(64, 64, 64, false) == ProductKernel::Rnnc);
  product_plan() = saved;
  CHECK(planned_kernel(128, 1024, 1024, false) == ProductKernel::Rnnc);
}
