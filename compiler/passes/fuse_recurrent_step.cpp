#include "passes/plan.h"

namespace rnnc {

// The fused step kernel reads folded weights, so it needs FoldBatchNorm
// first; a layer left unfolded keeps its separate passes.
void fuse_recurrent_step(const Model& m, Plan& p) {
  for (size_t i = 0; i < m.layers.size(); ++i)
    if (m.layers[i].kind == LayerKind::Rnn && p.layers[i].fold_batch_norm) p.layers[i].fused_step = true;
  p.applied.push_back("FuseRecurrentStep");
}

}  // namespace rnnc
