#include "passes/plan.h"

namespace rnnc {

// A recurrent layer's step runs as one kernel: for [rnn] the input and
// recurrent sums, biases, activations and state sum; for [lstm] and [gru]
// every gate's sums, the gate activations and the state update.
Plan fuse_recurrent_step(Plan p) {
  if (!p.folded)
    throw PassRefused(
        "the fused step kernels read folded weights, and the IR's weights are raw parameters: "
        "fold-batch-norm must run before fuse-recurrent-step");
  const std::pair<OpKind, OpKind> fused[] = {{OpKind::RnnStep, OpKind::RnnStepFused},
                                             {OpKind::LstmStep, OpKind::LstmStepFused},
                                             {OpKind::GruStep, OpKind::GruStepFused}};
  for (LayerOps& l : p.layers)
    for (Op& op : l.ops)
      for (auto& [from, to] : fused)
        if (op.kind == from) op.kind = to;
  p.applied.push_back("FuseRecurrentStep");
  return p;
}

}  // namespace rnnc
