#include "passes/plan.h"

namespace rnnc {

// Only the first layer sees the network input, a one-hot byte; deeper
// layers read dense activations.
void one_hot_gather(const Model& m, Plan& p) {
  if (m.layers.empty()) return;
  LayerKind k = m.layers[0].kind;
  if (k == LayerKind::Rnn || k == LayerKind::Connected || k == LayerKind::Lstm || k == LayerKind::Gru)
    p.layers[0].one_hot_input = true;
  p.applied.push_back("OneHotGather");
}

}  // namespace rnnc
