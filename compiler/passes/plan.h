// The passes: each a function from IR to IR (ir/ops.h's Plan), in its own
// file, as Halide's lowering is. A pass checks its precondition on the IR it
// is given and throws PassRefused, saying why, where it cannot run; the
// pipeline turns that into one line naming the order asked for.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "ir/model.h"
#include "ir/ops.h"

namespace rnnc {

struct PassRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// FoldBatchNorm: every dense sub-layer that a folded kernel can read runs on
// weights with batch norm folded in at load (Dense -> DenseFolded), and the
// IR records that folded weights exist. Precondition: not folded already.
Plan fold_batch_norm(Plan p);
// FuseRecurrentStep: a recurrent layer's step (rnn_step, lstm_step,
// gru_step) becomes its one-kernel form. Precondition: folded weights
// (FoldBatchNorm), which the fused kernels read.
Plan fuse_recurrent_step(Plan p);
// OneHotGather: the first layer's product with the one-hot vector becomes a
// row read of character c. Precondition: the op reading that vector has a
// one-hot form (a folded dense or a fused step).
Plan one_hot_gather(Plan p);

struct Pass {
  const char* flag;  // in --passes: "fold-batch-norm"
  const char* name;  // in the IR and the program's header: "FoldBatchNorm"
  Plan (*run)(Plan);
};
// Every pass, in the standard order (rnnc's default).
const std::vector<Pass>& standard_passes();
// "fold-batch-norm,fuse-recurrent-step" -> those passes in that order ("" or
// "none": no pass); an unknown or repeated name is a CompileError.
std::vector<Pass> parse_pass_list(const std::string& list);

// Lowers m's inference to ops and runs the passes in order. `after` (if set)
// sees the IR after lowering ("lowering") and after each pass (its flag). A
// pass refused at its precondition is a CompileError naming the order.
Plan run_passes(const Model& m, const std::vector<Pass>& passes,
                void (*after)(const std::string& stage, const Model&, const Plan&, void* ctx) = nullptr,
                void* ctx = nullptr);

// The standard pipeline, or (fuse = false) no pass: the plain reference.
Plan make_plan(const Model& m, bool fuse);

}  // namespace rnnc
