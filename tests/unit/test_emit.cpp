#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "emit/names.h"
#include "ir/lower.h"

using namespace rnnc;

static const char* kCfg =
    "[net]\ninputs=256\nbatch=4\ntime_steps=8\n[rnn]\noutput=32\nbatch_normalize=1\nactivation=leaky\n"
    "[connected]\noutput=256\nactivation=linear\n[softmax]\n";

static std::string emit(bool fuse) {
  Diagnostics d;
  Model m = lower(parse_cfg(kCfg, "e.cfg"), d);
  return emit_cpp(m, make_plan(m, fuse));
}

TEST_CASE("emitting the same model twice gives the same text") { CHECK(emit(true) == emit(true)); }

TEST_CASE("emitted code is named after the cfg, with sizes as constants and cfg lines") {
  std::string s = emit(true);
  CHECK(s.find("constexpr int kRnn0Out = 32;") != std::string::npos);
  CHECK(s.find("constexpr int kStreams = 4;") != std::string::npos);
  CHECK(s.find("rnnc::DenseParams rnn0_input{\"rnn0.input\"") != std::string::npos);
  CHECK(s.find("// [rnn] rnn0 (e.cfg:5:1)") != std::string::npos);
  CHECK(s.find("// [connected] connected1 (e.cfg:9:1)") != std::string::npos);
  CHECK(s.find("rnnc::rnn_step<") != std::string::npos);  // the fused kernel
  CHECK(s.find("Passes: OneHotGather, FoldBatchNorm, FuseRecurrentStep") != std::string::npos);
  std::string plain = emit(false);
  CHECK(plain.find("rnnc::reference::rnn_step<") != std::string::npos);
  CHECK(plain.find("rnnc::rnn_step<") == std::string::npos);
}

TEST_CASE("fill_template fills every hole, and refuses unknown ones") {
  CHECK(fill_template("a{{X}}b{{Y}}", {{"X", "1"}, {"Y", "2"}}) == "a1b2");
  CHECK_THROWS_AS(fill_template("a{{Z}}", {{"X", "1"}}), std::logic_error);
  CHECK_THROWS_AS(fill_template("a{{X", {{"X", "1"}}), std::logic_error);
}

TEST_CASE("names") {
  CHECK(camel("rnn0") == "Rnn0");
  CHECK(camel("connected3") == "Connected3");
  CHECK(float_literal(1) == "1.0f");
  CHECK(float_literal(.5f) == "0.5f");
  CHECK(member_name(Dense{"rnn0.input", 1, 1, false, Activation::Linear}) == "rnn0_input");
}
