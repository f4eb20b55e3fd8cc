// The inference IR: each layer's one-character step as a list of operations.
// Lowering (lower_ops) writes the plain reference form, darknet's own order of
// operations on the raw parameters; each pass (compiler/passes) rewrites the
// lists; the emitters render each op from a table. Training does not read it:
// inference passes leave training unchanged.
#pragma once
#include <string>
#include <vector>

#include "ir/model.h"

namespace rnnc {

enum class OpKind {
  OneHot,         // x = the one-hot vector of character c (the plain path's explicit input)
  Dense,          // y = act(BN(W x) + b) on the raw parameters, separate passes (reference)
  DenseFolded,    // y = act(W' x + b'), batch norm folded into W' and b' at load
  RnnStep,        // h = act(input(x)) + act(self(h)) (+ h), separate passes (reference)
  RnnStepFused,   // the same in one kernel, on folded weights
  LstmStep,       // darknet's [lstm] step on the raw parameters (reference)
  LstmStepFused,  // every gate, activation and the state update in one kernel, folded weights
  GruStep,        // darknet's [gru] step on the raw parameters (reference)
  GruStepFused,   // the same in one fused kernel, folded weights
  CopyState,      // y = h
  Softmax,        // y = softmax(x / temperature), per group
  Identity,       // y = x ([dropout] at inference)
};

// What the IR knows of each kind: how it prints, what it reads, and the form
// each pass may rewrite it to (the passes' tables live beside them).
struct OpInfo {
  OpKind kind;
  const char* name;    // in --dump-ir
  bool folded;         // reads folded weights (InferenceDense), not the raw parameters
  bool one_hot_form;   // can read character c itself instead of x (OneHotGather)
  const char* effect;  // in --dump-ir, with x the layer's input
};
const OpInfo& op_info(OpKind k);

struct Op {
  OpKind kind;
  std::vector<int> dense;  // the sub-layers it reads, indices into Layer::dense
  bool one_hot = false;    // reads character c, not x (OneHotGather): a gathered row
};

struct LayerOps {
  std::string layer;  // "rnn0", for messages
  std::vector<Op> ops;
};

// The program the emitters carry out (named Plan since the passes' first
// form; now the rewritten IR itself).
struct Plan {
  std::vector<LayerOps> layers;  // one per Model::layers entry
  // Whether FoldBatchNorm has run: inference weights exist with batch norm
  // folded in, so ops may read folded forms (FuseRecurrentStep's precondition).
  bool folded = false;
  std::vector<std::string> applied;  // pass names, in order
};

// The plain reference form: what rnnc --no-fuse emits.
Plan lower_ops(const Model& m);

// The IR as readable, stable text (rnnc --dump-ir): one line per op.
std::string dump_ir(const Model& m, const Plan& p);

}  // namespace rnnc
