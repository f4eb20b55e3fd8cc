#include <doctest/doctest.h>

#include "cfg/cfg_reader.h"
#include "ir/lower.h"
#include "passes/plan.h"

using namespace rnnc;

static Model model(const char* text) {
  Diagnostics d;
  return lower(parse_cfg(text, "p.cfg"), d);
}

static const char* kMixed =
    "[net]\ninputs=256\n[rnn]\noutput=8\nbatch_normalize=1\n[rnn]\noutput=8\n[connected]\noutput=256\n[softmax]\n";

TEST_CASE("OneHotGather marks only the first layer") {
  Model m = model(kMixed);
  Plan p(m);
  one_hot_gather(m, p);
  CHECK(p.layers[0].one_hot_input);
  CHECK_FALSE(p.layers[1].one_hot_input);
  CHECK_FALSE(p.layers[2].one_hot_input);
  CHECK_FALSE(p.layers[0].fold_batch_norm);  // one decision per pass
  CHECK_FALSE(p.layers[0].fused_step);
  CHECK(p.applied == std::vector<std::string>{"OneHotGather"});
}

TEST_CASE("FoldBatchNorm marks every layer with weights") {
  Model m = model(kMixed);
  Plan p(m);
  fold_batch_norm(m, p);
  CHECK(p.layers[0].fold_batch_norm);
  CHECK(p.layers[1].fold_batch_norm);
  CHECK(p.layers[2].fold_batch_norm);
  CHECK_FALSE(p.layers[3].fold_batch_norm);  // softmax has none
  CHECK_FALSE(p.layers[0].one_hot_input);
}

TEST_CASE("FuseRecurrentStep needs folded weights and fuses only [rnn]") {
  Model m = model(kMixed);
  Plan alone(m);
  fuse_recurrent_step(m, alone);
  for (const auto& lp : alone.layers) CHECK_FALSE(lp.fused_step);
  Plan p(m);
  fold_batch_norm(m, p);
  fuse_recurrent_step(m, p);
  CHECK(p.layers[0].fused_step);
  CHECK(p.layers[1].fused_step);
  CHECK_FALSE(p.layers[2].fused_step);
}

TEST_CASE("make_plan: the pipeline, and the plain reference without passes") {
  Model m = model(kMixed);
  Plan fused = make_plan(m, true);
  CHECK(fused.applied == std::vector<std::string>{"OneHotGather", "FoldBatchNorm", "FuseRecurrentStep"});
  CHECK(fused.layers[0].one_hot_input);
  CHECK(fused.layers[0].fused_step);
  Plan plain = make_plan(m, false);
  CHECK(plain.applied.empty());
  for (const auto& lp : plain.layers) {
    CHECK_FALSE(lp.one_hot_input);
    CHECK_FALSE(lp.fold_batch_norm);
    CHECK_FALSE(lp.fused_step);
  }
}
