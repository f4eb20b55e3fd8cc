// The Plan: the decisions the passes make about how each layer runs, for the
// emitter to carry out. Each pass sets one kind of decision and can be run
// (and tested) alone; a Plan with no pass applied is the plain reference:
// darknet's own sequence of separate products, batch norms and activations.
#pragma once
#include <string>
#include <vector>

#include "ir/model.h"

namespace rnnc {

struct LayerPlan {
  // OneHotGather: the layer's input is a one-hot character, so its input
  // projection W x is column x of W: a gather, not a product.
  bool one_hot_input = false;
  // FuseRecurrentStep: an [rnn] step's input and recurrent sums, batch norm,
  // bias, activation and state sum run as one kernel.
  bool fused_step = false;
  // FoldBatchNorm: inference batch norm folded into weights and bias at load.
  bool fold_batch_norm = false;
};

struct Plan {
  std::vector<LayerPlan> layers;
  std::vector<std::string> applied;  // pass names, in order
  explicit Plan(const Model& m) : layers(m.layers.size()) {}
};

void one_hot_gather(const Model& m, Plan& p);
void fold_batch_norm(const Model& m, Plan& p);
void fuse_recurrent_step(const Model& m, Plan& p);

// The standard pipeline (fuse = false gives the plain reference).
Plan make_plan(const Model& m, bool fuse);

}  // namespace rnnc
