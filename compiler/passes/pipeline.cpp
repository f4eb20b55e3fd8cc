#include "passes/plan.h"

namespace rnnc {

Plan make_plan(const Model& m, bool fuse) {
  Plan p(m);
  if (!fuse) return p;
  one_hot_gather(m, p);
  fold_batch_norm(m, p);
  fuse_recurrent_step(m, p);
  return p;
}

}  // namespace rnnc
