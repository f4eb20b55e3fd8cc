// Emits step_batch: inference for n samples at once (generate -n N), every
// weight read shared by all n, on the folded weights the fused plan prepares.
#pragma once
#include <string>

#include "ir/model.h"
#include "passes/plan.h"

namespace rnnc {

std::string emit_batch_step(const Model& m, const Plan& plan);

}  // namespace rnnc
