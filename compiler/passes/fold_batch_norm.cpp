#include "passes/plan.h"

namespace rnnc {

// Every layer with weights runs on folded weights at inference; a layer
// without batch norm folds to itself, so the kernels have one form.
void fold_batch_norm(const Model& m, Plan& p) {
  for (size_t i = 0; i < m.layers.size(); ++i)
    if (!m.layers[i].dense.empty()) p.layers[i].fold_batch_norm = true;
  p.applied.push_back("FoldBatchNorm");
}

}  // namespace rnnc
