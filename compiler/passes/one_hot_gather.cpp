#include "passes/plan.h"

#include <fmt/format.h>

namespace rnnc {

// Only the first layer sees the network input, a character. Its one-hot
// vector feeds one op; where that op has a one-hot form, the product W x is
// column c of W, read as a row of the transposed weights: the vector goes.
Plan one_hot_gather(Plan p) {
  if (p.layers.empty() || p.layers[0].ops.empty() || p.layers[0].ops[0].kind != OpKind::OneHot)
    throw PassRefused("the first layer reads no one-hot vector (gathered already, or a [softmax])");
  LayerOps& first = p.layers[0];
  if (first.ops.size() < 2) throw PassRefused("nothing reads the first layer's one-hot vector");
  Op& reader = first.ops[1];
  if (!op_info(reader.kind).one_hot_form)
    throw PassRefused(
        fmt::format("{} reads its input through {}, which has no one-hot form on raw parameters: "
                    "run {} before one-hot-gather",
                    first.layer, op_info(reader.kind).name,
                    reader.kind == OpKind::Dense ? "fold-batch-norm" : "fold-batch-norm and fuse-recurrent-step"));
  reader.one_hot = true;
  first.ops.erase(first.ops.begin());
  p.applied.push_back("OneHotGather");
  return p;
}

}  // namespace rnnc
