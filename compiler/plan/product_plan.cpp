#include "plan/product_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "emit/names.h"

namespace rnnc {

std::vector<PlanEntry> training_products(const Model& m) {
  std::vector<PlanEntry> out;
  const int rows = m.net.streams * m.net.time_steps, step = m.net.streams;
  for (const Layer& l : m.layers)
    for (const Dense& d : l.dense) {
      // The first layer reads characters: its input sub-layers gather rows of W, no product.
      if (&l == &m.layers.front() && d.input == DenseInput::LayerInput) continue;
      // An [rnn]'s output sub-layer reads h over the whole batch; the other
      // sub-layers on the state are the recurrent ones, run a step at a time.
      const bool one_step = d.input == DenseInput::State && l.kind != LayerKind::Connected &&
                            d.name.size() > 7 && d.name.compare(d.name.size() - 7, 7, ".output") != 0;
      const int r = one_step ? step : rows;
      const bool wide = d.in >= kBlasMinWidth && d.out >= kBlasMinWidth;
      auto add = [&](ProductRole role, int M, int N, int K) {
        PlanEntry p;
        p.sublayer = d.name;
        p.role = role;
        p.one_step = one_step && role != ProductRole::WeightGradient;
        p.wide = wide;
        p.M = M, p.N = N, p.K = K;
        out.push_back(p);
      };
      add(ProductRole::Forward, r, d.out, d.in);
      add(ProductRole::WeightGradient, d.out, d.in, rows);
      // dx: the previous layer's delta, or the state's (always there for a recurrent sub-layer).
      if (&l != &m.layers.front() || d.input == DenseInput::State) add(ProductRole::InputGradient, r, d.in, d.out);
    }
  return out;
}

ProductPlanTable fixed_plan(const Model& m, bool openblas) {
  ProductPlanTable plan;
  plan.mode = PlanMode::Fixed;
  plan.products = training_products(m);
  for (PlanEntry& p : plan.products)
    p.kernel = openblas ? fixed_kernel(p.M, p.N, p.K) : ProductKernel::Rnnc;
  return plan;
}

void timed_shape(const PlanEntry& p, int& M, int& N, int& K) {
  M = p.M, N = p.N, K = p.K;
  if (p.role == ProductRole::WeightGradient) {
    const int sum = static_cast<int>(std::min<double>(kTimedSumRows, kMaxTimedFlops / (2.0 * M * N)));
    K = std::min(K, std::max(kTimedRows, sum));
  } else
    M = std::min(M, kTimedRows);
}

ProductKernel fastest(const std::map<ProductKernel, double>& gflops) {
  ProductKernel best = ProductKernel::Rnnc;
  auto own = gflops.find(ProductKernel::Rnnc);
  double best_rate = own == gflops.end() ? 0 : own->second * kLibraryMargin;
  for (const auto& [k, rate] : gflops)
    if (k != ProductKernel::Rnnc && rate > best_rate) best = k, best_rate = rate;
  return best;
}

const char* kernel_name(ProductKernel k) {
  switch (k) {
    case ProductKernel::OpenBlas: return "OpenBLAS";
    case ProductKernel::Dnnl: return "oneDNN";
    default: return "rnnc";
  }
}

const char* role_name(ProductRole r) {
  switch (r) {
    case ProductRole::WeightGradient: return "weight gradient";
    case ProductRole::InputGradient: return "input gradient";
    default: return "forward";
  }
}

bool plan_uses(const ProductPlanTable& plan, ProductKernel k) {
  for (const PlanEntry& p : plan.products)
    if (p.kernel == k) return true;
  return false;
}

namespace {

const char* kernel_enum(ProductKernel k) {
  switch (k) {
    case ProductKernel::OpenBlas: return "Kernel::OpenBlas";
    case ProductKernel::Dnnl: return "Kernel::Dnnl";
    default: return "Kernel::Rnnc";
  }
}

const char* role_enum(ProductRole r) {
  switch (r) {
    case ProductRole::WeightGradient: return "Role::WeightGradient";
    case ProductRole::InputGradient: return "Role::InputGradient";
    default: return "Role::Forward";
  }
}

// "rnn1.self" and weight gradient -> "kRnn1SelfWeightGradient".
std::string constant_name(const PlanEntry& p) {
  std::string name = "k";
  bool up = true;
  for (char c : p.sublayer + "_" + role_name(p.role)) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    name += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return name;
}

std::string rates(const PlanEntry& p) {
  std::string s;
  for (const auto& [k, rate] : p.gflops) s += fmt::format("{}{} {:.1f}", s.empty() ? "" : ", ", kernel_name(k), rate);
  return s.empty() ? "" : s + " GFLOP/s";
}

std::string shape_text(const PlanEntry& p) {
  return fmt::format("{} x {} <- {}{}", p.M, p.N, p.K, p.one_step ? ", one step" : "");
}

}  // namespace

std::string plan_constants(const ProductPlanTable& plan) {
  if (plan.products.empty()) return "";
  std::string s =
      plan.mode == PlanMode::Measured
          ? fmt::format("\n// The kernel of each training product, C (M x N) summed over K: the fastest when rnnc timed\n"
                        "// them on {} (rnnc --plan measured; at most {} rows timed, {} summed by a weight gradient).\n",
                        comment_text(plan.timed_on), kTimedRows, kTimedSumRows)
          : "\n// The kernel of each training product, C (M x N) summed over K: rnnc's fixed rule\n"
            "// (rnnc --plan fixed; rnnc/product_plan.h's fixed_kernel), the same on every machine.\n";
  s += "using Kernel = rnnc::ProductKernel;  // a library the program does not link: rnnc's kernels instead\n"
       "using Role = rnnc::ProductRole;\n";
  std::string list;
  for (const PlanEntry& p : plan.products) {
    const std::string name = constant_name(p), r = rates(p);
    s += fmt::format("constexpr rnnc::PlannedProduct {}{{{}, {}, {}, {}, {}}};{}\n", name, p.M, p.N, p.K, role_enum(p.role),
                     kernel_enum(p.kernel), p.one_step || !r.empty()
                                                ? fmt::format("  // {}{}{}", p.one_step ? "one step" : "",
                                                              p.one_step && !r.empty() ? "; " : "", r)
                                                : "");
    list += (list.empty() ? "" : ", ") + name;
  }
  s += fmt::format("constexpr rnnc::PlannedProduct kProductPlan[] = {{{}}};\n", list);
  return s;
}

std::string describe_plan(const ProductPlanTable& plan) {
  std::string s = fmt::format("rnnc: plan ({}{}):\n", plan.mode == PlanMode::Measured ? "measured on " : "fixed rule",
                              plan.mode == PlanMode::Measured ? plan.timed_on : "");
  for (const PlanEntry& p : plan.products) {
    const std::string r = rates(p);
    s += fmt::format("  {:<16} {:<15} {:<30} {:<8}{}\n", p.sublayer, role_name(p.role), shape_text(p), kernel_name(p.kernel),
                     r.empty() ? "" : " (" + r + ")");
  }
  return s;
}

std::string plan_summary(const ProductPlanTable& plan) {
  int blas = 0, dnnl = 0;
  for (const PlanEntry& p : plan.products) {
    blas += p.kernel == ProductKernel::OpenBlas;
    dnnl += p.kernel == ProductKernel::Dnnl;
  }
  std::string s = fmt::format("plan {}: ", plan.mode == PlanMode::Measured ? "measured" : "fixed");
  if (!blas && !dnnl) return s + fmt::format("rnnc's kernels for all {} products", plan.products.size());
  if (blas) s += fmt::format("{} of {} products on OpenBLAS", blas, plan.products.size());
  if (dnnl) s += fmt::format("{}{} of {} on oneDNN", blas ? ", " : "", dnnl, plan.products.size());
  return s;
}

}  // namespace rnnc
