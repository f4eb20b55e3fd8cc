// Emits the training half of a generated Model: its net configuration, the
// per-layer training state, and train_forward / train_backward, which call
// the runtime's layer kernels (runtime/rnnc/train/) with the model's sizes.
#pragma once
#include <string>

#include "ir/model.h"

namespace rnnc {

std::string emit_training(const Model& m);

}  // namespace rnnc
