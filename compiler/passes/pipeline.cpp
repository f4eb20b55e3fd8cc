#include <fmt/format.h>

#include "passes/plan.h"

namespace rnnc {

const std::vector<Pass>& standard_passes() {
  // Folding first: the fused kernels and the gather read folded weights.
  static const std::vector<Pass> passes = {
      {"fold-batch-norm", "FoldBatchNorm", fold_batch_norm},
      {"fuse-recurrent-step", "FuseRecurrentStep", fuse_recurrent_step},
      {"one-hot-gather", "OneHotGather", one_hot_gather},
  };
  return passes;
}

std::vector<Pass> parse_pass_list(const std::string& list) {
  std::vector<Pass> out;
  if (list.empty() || list == "none") return out;
  std::vector<std::string> known;
  for (const Pass& p : standard_passes()) known.push_back(p.flag);
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    std::string word = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    const Pass* found = nullptr;
    for (const Pass& p : standard_passes())
      if (word == p.flag) found = &p;
    if (!found)
      throw CompileError(fmt::format("rnnc: error: --passes: no pass named '{}' (the passes: {}; or none)", word,
                                     fmt::join(known, ", ")));
    for (const Pass& p : out)
      if (p.flag == found->flag) throw CompileError(fmt::format("rnnc: error: --passes: {} is given twice", word));
    out.push_back(*found);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

Plan run_passes(const Model& m, const std::vector<Pass>& passes,
                void (*after)(const std::string&, const Model&, const Plan&, void*), void* ctx) {
  Plan p = lower_ops(m);
  if (after) after("lowering", m, p, ctx);
  for (const Pass& pass : passes) {
    try {
      p = pass.run(std::move(p));
    } catch (const PassRefused& why) {
      std::vector<std::string> order;
      for (const Pass& q : passes) order.push_back(q.flag);
      throw CompileError(fmt::format("rnnc: error: the passes cannot run in the order {}: {} refuses: {}",
                                     fmt::join(order, ","), pass.flag, why.what()));
    }
    if (after) after(pass.flag, m, p, ctx);
  }
  return p;
}

Plan make_plan(const Model& m, bool fuse) { return run_passes(m, fuse ? standard_passes() : std::vector<Pass>{}); }

}  // namespace rnnc
