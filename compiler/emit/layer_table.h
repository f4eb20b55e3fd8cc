// The emitter's tables, as tinygrad renders ops: what C++ each layer kind
// and each IR op becomes. A new layer kind adds one row to kinds(); a new op
// one row to ops().
#pragma once
#include <string>

#include "ir/model.h"
#include "ir/ops.h"

namespace rnnc {

struct KindRender {
  LayerKind kind;
  const char* header;       // the runtime header that holds the kind: "rnnc/layers/rnn.h"
  const char* cuda_header;  // its CUDA specialisation (rnnc --cuda): "rnnc/layers/rnn.cuh"
  const char* type;    // its class template: "rnnc::layers::Rnn"
  // The template arguments between the sizes (kXIn, kXOut) and the batch
  // shape (kTimeSteps, kStreams): the kind's options, "" for none.
  std::string (*options)(const Layer& l);
  bool loss;    // ends the network in training: its forward returns the cost
  bool random;  // draws from the training generator: its train_begin takes the Model's rnnc::train::Noise
  // The recurrent state: the members (real[kOut] arrays) that carry it from
  // one character to the next, space-separated, the one to show first first
  // ("h", "cell h"); nullptr for a kind without one. Model::states() lists
  // them (visualise reads them after every step).
  const char* state;
};
const KindRender& kind_render(LayerKind k);

struct OpRender {
  OpKind kind;
  const char* method;  // the layer's member function: "step_fused"
  bool batch;          // has an n-samples form, method + "_batch" (generate -n)
};
const OpRender& op_render(OpKind k);

}  // namespace rnnc
