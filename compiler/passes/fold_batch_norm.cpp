#include "passes/plan.h"

namespace rnnc {

// Folding is per sub-layer: a dense op gets its folded form; the reference
// recurrent steps keep reading the raw parameters (they have no unfused
// folded kernel) until FuseRecurrentStep gives them one.
Plan fold_batch_norm(Plan p) {
  if (p.folded) throw PassRefused("the weights are folded already");
  for (LayerOps& l : p.layers)
    for (Op& op : l.ops)
      if (op.kind == OpKind::Dense) op.kind = OpKind::DenseFolded;
  p.folded = true;
  p.applied.push_back("FoldBatchNorm");
  return p;
}

}  // namespace rnnc
