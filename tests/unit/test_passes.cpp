// Each pass alone on the IR (ir/ops.h), the pipeline's order checks, and
// --dump-ir's text.
#include <doctest/doctest.h>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "ir/lower.h"
#include "ir/ops.h"
#include "passes/plan.h"

using namespace rnnc;

static Model model(const char* text) {
  Diagnostics d;
  return lower(parse_cfg(text, "p.cfg"), d);
}

static const char* kMixed =
    "[net]\ninputs=256\n[rnn]\noutput=8\nbatch_normalize=1\n[rnn]\noutput=8\n[connected]\noutput=256\n[softmax]\n";
static const char* kConnectedFirst =
    "[net]\ninputs=256\n[connected]\noutput=16\n[lstm]\noutput=8\n[gru]\noutput=8\n"
    "[connected]\noutput=256\n[softmax]\n";

static std::vector<OpKind> kinds(const LayerOps& l) {
  std::vector<OpKind> v;
  for (const Op& op : l.ops) v.push_back(op.kind);
  return v;
}

static std::vector<Pass> passes(const char* list) { return parse_pass_list(list); }

TEST_CASE("lowering writes the plain reference ops; the first layer reads a one-hot vector") {
  Plan p = lower_ops(model(kMixed));
  REQUIRE(p.layers.size() == 4);
  CHECK(kinds(p.layers[0]) == std::vector<OpKind>{OpKind::OneHot, OpKind::RnnStep, OpKind::Dense});
  CHECK(kinds(p.layers[1]) == std::vector<OpKind>{OpKind::RnnStep, OpKind::Dense});
  CHECK(kinds(p.layers[2]) == std::vector<OpKind>{OpKind::Dense});
  CHECK(kinds(p.layers[3]) == std::vector<OpKind>{OpKind::Softmax});
  CHECK(p.layers[0].ops[1].dense == std::vector<int>{0, 1});
  CHECK(p.layers[0].ops[2].dense == std::vector<int>{2});
  CHECK_FALSE(p.folded);
  Plan g = lower_ops(model(kConnectedFirst));
  CHECK(kinds(g.layers[1]) == std::vector<OpKind>{OpKind::LstmStep, OpKind::CopyState});
  CHECK(g.layers[1].ops[0].dense.size() == 8);
  CHECK(kinds(g.layers[2]) == std::vector<OpKind>{OpKind::GruStep, OpKind::CopyState});
  CHECK(g.layers[2].ops[0].dense.size() == 6);
}

TEST_CASE("FoldBatchNorm alone: dense ops fold, reference steps stay, the IR says folded") {
  Plan p = fold_batch_norm(lower_ops(model(kMixed)));
  CHECK(p.folded);
  CHECK(kinds(p.layers[0]) == std::vector<OpKind>{OpKind::OneHot, OpKind::RnnStep, OpKind::DenseFolded});
  CHECK(kinds(p.layers[2]) == std::vector<OpKind>{OpKind::DenseFolded});
  CHECK(p.applied == std::vector<std::string>{"FoldBatchNorm"});
  CHECK_THROWS_AS(fold_batch_norm(p), PassRefused);  // not twice
}

TEST_CASE("FuseRecurrentStep needs folded weights and fuses every recurrent step") {
  Model m = model(kConnectedFirst);
  CHECK_THROWS_WITH_AS(fuse_recurrent_step(lower_ops(m)), doctest::Contains("fold-batch-norm must run before"),
                       PassRefused);
  Plan p = fuse_recurrent_step(fold_batch_norm(lower_ops(m)));
  CHECK(kinds(p.layers[1]) == std::vector<OpKind>{OpKind::LstmStepFused, OpKind::CopyState});
  CHECK(kinds(p.layers[2]) == std::vector<OpKind>{OpKind::GruStepFused, OpKind::CopyState});
  Plan r = fuse_recurrent_step(fold_batch_norm(lower_ops(model(kMixed))));
  CHECK(kinds(r.layers[1]) == std::vector<OpKind>{OpKind::RnnStepFused, OpKind::DenseFolded});
}

TEST_CASE("OneHotGather: the one-hot vector goes where its reader has a one-hot form") {
  Model c = model(kConnectedFirst);
  Plan p = one_hot_gather(fold_batch_norm(lower_ops(c)));  // a folded [connected] gathers
  CHECK(kinds(p.layers[0]) == std::vector<OpKind>{OpKind::DenseFolded});
  CHECK(p.layers[0].ops[0].one_hot);
  CHECK_FALSE(p.layers[3].ops[0].one_hot);  // deeper layers read dense activations
  CHECK_THROWS_WITH_AS(one_hot_gather(lower_ops(c)), doctest::Contains("run fold-batch-norm before one-hot-gather"),
                       PassRefused);
  CHECK_THROWS_AS(one_hot_gather(p), PassRefused);  // gathered already
  Model r = model(kMixed);                          // a recurrent first layer needs its fused step
  CHECK_THROWS_WITH_AS(one_hot_gather(fold_batch_norm(lower_ops(r))),
                       doctest::Contains("run fold-batch-norm and fuse-recurrent-step before one-hot-gather"),
                       PassRefused);
  Plan f = one_hot_gather(fuse_recurrent_step(fold_batch_norm(lower_ops(r))));
  CHECK(kinds(f.layers[0]) == std::vector<OpKind>{OpKind::RnnStepFused, OpKind::DenseFolded});
  CHECK(f.layers[0].ops[0].one_hot);
  CHECK_FALSE(f.layers[0].ops[1].one_hot);
}

TEST_CASE("the pipeline: the standard order, the plain reference, refused orders in one line") {
  Model m = model(kMixed);
  Plan fused = make_plan(m, true);
  CHECK(fused.applied == std::vector<std::string>{"FoldBatchNorm", "FuseRecurrentStep", "OneHotGather"});
  Plan plain = make_plan(m, false);
  CHECK(plain.applied.empty());
  CHECK(kinds(plain.layers[0]) == kinds(lower_ops(m).layers[0]));
  CHECK(passes("").empty());
  CHECK(passes("none").empty());
  CHECK(passes("one-hot-gather,fold-batch-norm").size() == 2);
  CHECK_THROWS_WITH_AS(passes("fold-batch-norm,fold-batch-norm"), doctest::Contains("given twice"), CompileError);
  CHECK_THROWS_WITH_AS(passes("fold"), doctest::Contains("no pass named 'fold'"), CompileError);
  CHECK_THROWS_WITH_AS(run_passes(m, passes("fuse-recurrent-step,fold-batch-norm")),
                       "rnnc: error: the passes cannot run in the order fuse-recurrent-step,fold-batch-norm: "
                       "fuse-recurrent-step refuses: the fused step kernels read folded weights, and the IR's weights "
                       "are raw parameters: fold-batch-norm must run before fuse-recurrent-step",
                       CompileError);
  // Every allowed order emits; the one-hot vector is there exactly when not gathered.
  for (const char* list : {"", "fold-batch-norm", "fold-batch-norm,fuse-recurrent-step",
                           "fold-batch-norm,fuse-recurrent-step,one-hot-gather"}) {
    std::string s = emit_cpp(m, run_passes(m, passes(list)));
    CHECK((s.find("onehot[c] = 1;") != std::string::npos) ==
          (std::string(list).find("one-hot-gather") == std::string::npos));
    CHECK(s.find(", ,") == std::string::npos);
  }
}

TEST_CASE("batch kernels only where the IR has the folded and fused forms") {
  Model m = model(kMixed);
  auto has_batch = [&](const char* list) {
    return emit_cpp(m, run_passes(m, passes(list))).find("kHasBatchStep = true") != std::string::npos;
  };
  CHECK(has_batch("fold-batch-norm,fuse-recurrent-step,one-hot-gather"));
  CHECK_FALSE(has_batch("fold-batch-norm,fuse-recurrent-step"));  // a one-hot vector: no batch form
  CHECK_FALSE(has_batch("fold-batch-norm"));
  CHECK_FALSE(has_batch(""));
}

TEST_CASE("--dump-ir's text: one line per op, the weights' form, stable") {
  Model m = model(kMixed);
  std::string before = dump_ir(m, lower_ops(m));
  CHECK(before ==
        "weights: raw parameters\n"
        "rnn0 [rnn] 8:\n"
        "  one_hot          x = one-hot(c)\n"
        "  rnn_step         h = act(input x) + act(self h) (+ h)  [params rnn0.input, rnn0.self]\n"
        "  dense            y = act(BN(W h) + b)  [params rnn0.output]\n"
        "rnn1 [rnn] 8:\n"
        "  rnn_step         h = act(input x) + act(self h) (+ h)  [params rnn1.input, rnn1.self]\n"
        "  dense            y = act(BN(W h) + b)  [params rnn1.output]\n"
        "connected2 [connected] 256:\n"
        "  dense            y = act(BN(W x) + b)  [params connected2]\n"
        "softmax3 [softmax] 256:\n"
        "  softmax          y = softmax(x / temperature)\n");
  std::string after = dump_ir(m, make_plan(m, true));
  CHECK(after.find("weights: folded") == 0);
  CHECK(after.find("  rnn_step.fused   h = act(input x) + act(self h) (+ h), one kernel, x = one-hot(c) read as a "
                   "gathered row  [folded rnn0.input, rnn0.self]\n") != std::string::npos);
  CHECK(after.find("one_hot") == std::string::npos);
}
