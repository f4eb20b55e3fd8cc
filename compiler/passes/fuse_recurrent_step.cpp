#include "passes/plan.h"

namespace rnnc {

// A recurrent layer's step runs as one kernel: for [rnn] the input and
// recurrent sums, bias, activation and state sum; for [lstm] and [gru] every
// gate's sums, the gate activations and the state update. The fused kernels
// read folded weights, so this needs FoldBatchNorm first; a layer left
// unfolded keeps its separate passes.
void fuse_recurrent_step(const Model& m, Plan& p) {
  for (size_t i = 0; i < m.layers.size(); ++i) {
    LayerKind k = m.layers[i].kind;
    bool recurrent = k == LayerKind::Rnn || k == LayerKind::Lstm || k == LayerKind::Gru;
    if (recurrent && p.layers[i].fold_batch_norm) p.layers[i].fused_step = true;
  }
  p.applied.push_back("FuseRecurrentStep");
}

}  // namespace rnnc
