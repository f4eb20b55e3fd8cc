#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cfg/cfg_reader.h"
#include "ir/limits.h"
#include "ir/lower.h"

using namespace rnnc;

static const char* kTiny =
    "[net]\nsubdivisions=1\ninputs=256\nbatch = 16\ntime_steps=64\nlearning_rate=0.1\npolicy=steps\n"
    "steps=2000,2700\nscales=.1,.1\n\n"
    "[rnn]\nbatch_normalize=1\noutput = 96\nhidden=96\nactivation=leaky\n\n"
    "[rnn]\nbatch_normalize=1\noutput = 96\nactivation=leaky\n\n"
    "[connected]\noutput=256\nactivation=leaky\n\n[softmax]\n";

static Model lower_text(const std::string& text, Diagnostics* d = nullptr) {
  Diagnostics local;
  return lower(parse_cfg(text, "t.cfg"), d ? *d : local);
}

static std::string error_of(const std::string& text, bool check_text = false) {
  try {
    Model m = lower_text(text);
    if (check_text) check_text_model(m);
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("lower: net options, effective batch and streams") {
  Diagnostics d;
  Model m = lower_text(kTiny, &d);
  CHECK(m.name == "t");
  CHECK(m.net.batch == 16 * 64);
  CHECK(m.net.time_steps == 64);
  CHECK(m.net.streams == 16);
  CHECK(m.net.learning_rate == doctest::Approx(0.1));
  CHECK(m.net.momentum == doctest::Approx(.9));  // darknet's default
  CHECK(m.net.decay == doctest::Approx(.0001));
  CHECK(m.net.policy == Policy::Steps);
  CHECK(m.net.steps == std::vector<int>{2000, 2700});
  CHECK(m.net.scales.size() == 2);
  CHECK(m.net.adam == false);
  // darknet's "unused field" for hidden=96
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].find("t.cfg:14:1: warning: unused field 'hidden = 96'") != std::string::npos);
}

TEST_CASE("lower: sizes chain from layer to layer, sub-layers in darknet's orders") {
  Model m = lower_text(kTiny);
  REQUIRE(m.layers.size() == 4);
  CHECK(m.layers[0].name == "rnn0");
  CHECK(m.layers[0].inputs == 256);
  CHECK(m.layers[1].inputs == 96);
  CHECK(m.layers[2].name == "connected2");
  CHECK(m.layers[2].inputs == 96);
  CHECK(m.layers[2].outputs == 256);
  CHECK(m.layers[3].kind == LayerKind::Softmax);
  CHECK(m.layers[3].outputs == 256);
  const auto& d = m.layers[0].dense;
  REQUIRE(d.size() == 3);
  CHECK(d[0].name == "rnn0.input");
  CHECK(d[0].in == 256);
  CHECK(d[1].name == "rnn0.self");
  CHECK(d[1].in == 96);
  CHECK(d[2].name == "rnn0.output");
  CHECK(d[0].batch_norm);
  CHECK(d[0].activation == Act::Leaky);
  CHECK(m.parameters() == (256 * 96 + 96 * 4) + 5 * (96 * 96 + 96 * 4) + (96 * 256 + 256));
  CHECK(m.summary() == "2 x [rnn] 96 (batch norm, leaky), [connected] 256 (leaky), [softmax]");
}

TEST_CASE("lower: a sub-layer reads the layer's input or its own state, whatever the sizes") {
  // inputs == outputs in every layer: only the role can tell the two apart.
  Model m = lower_text("[net]\ninputs=256\n[rnn]\noutput=256\n[lstm]\noutput=256\n[gru]\noutput=256\n"
                       "[connected]\noutput=256\n[softmax]\n");
  auto inputs = [&](size_t layer) {
    std::string s;
    for (const Dense& d : m.layers[layer].dense) s += d.input == DenseInput::LayerInput ? 'x' : 'h';
    return s;
  };
  CHECK(inputs(0) == "xhh");       // input, self, output
  CHECK(inputs(1) == "hhhhxxxx");  // wi wf wo wg, ui uf uo ug
  CHECK(inputs(2) == "hhhxxx");    // wz wr wh, uz ur uh
  CHECK(inputs(3) == "x");
  // and the size follows the role
  Model n = lower_text("[net]\ninputs=256\n[gru]\noutput=8\n[connected]\noutput=256\n[softmax]\n");
  for (const Dense& d : n.layers[0].dense) CHECK(d.in == (d.input == DenseInput::State ? 8 : 256));
}

TEST_CASE("lower: every activation and policy of the shared vocabulary is read by its cfg name") {
  for (const ActName& a : kActNames) {
    Model m = lower_text(std::string("[net]\ninputs=256\n[connected]\noutput=256\nactivation=") + a.cfg +
                         "\n[softmax]\n");
    CHECK(m.layers[0].activation == a.act);
    CHECK(act_name(a.act).cfg == std::string(a.cfg));
  }
  for (const PolicyName& p : kPolicyNames) {
    std::string extra = p.policy == Policy::Steps ? "steps=10\nscales=.5\n" : "";
    Model m = lower_text(std::string("[net]\ninputs=256\npolicy=") + p.cfg + "\n" + extra +
                         "[connected]\noutput=256\n[softmax]\n");
    CHECK(m.net.policy == p.policy);
    CHECK(policy_name(p.policy).cfg == std::string(p.cfg));
  }
  CHECK(find_act("leeky") == nullptr);
  CHECK(find_policy("sig") == nullptr);  // darknet's cfg name is sigmoid
}

TEST_CASE("lower: lstm and gru sub-layers, file order and build order") {
  Model m = lower_text("[net]\ninputs=256\n[lstm]\noutput=8\n[gru]\noutput=6\n[connected]\noutput=256\n[softmax]\n");
  const Layer& l = m.layers[0];
  REQUIRE(l.dense.size() == 8);
  CHECK(l.dense[0].name == "lstm0.wi");
  CHECK(l.dense[0].in == 8);
  CHECK(l.dense[4].name == "lstm0.ui");
  CHECK(l.dense[4].in == 256);
  std::vector<std::string> build;
  for (int i : l.build_order) build.push_back(l.dense[i].name);
  CHECK(build == std::vector<std::string>{"lstm0.uf", "lstm0.ui", "lstm0.ug", "lstm0.uo", "lstm0.wf", "lstm0.wi",
                                          "lstm0.wg", "lstm0.wo"});
  const Layer& g = m.layers[1];
  REQUIRE(g.dense.size() == 6);
  CHECK(g.dense[0].name == "gru1.wz");
  CHECK(g.dense[3].name == "gru1.uz");
  CHECK(g.dense[3].in == 8);
  build.clear();
  for (int i : g.build_order) build.push_back(g.dense[i].name);
  CHECK(build == std::vector<std::string>{"gru1.uz", "gru1.wz", "gru1.ur", "gru1.wr", "gru1.uh", "gru1.wh"});
}

TEST_CASE("lower: darknet's rand() advance for cfg/rnn.cfg's shape") {
  Model m = lower_text(
      "[net]\ninputs=256\n[rnn]\noutput=1024\nbatch_normalize=1\nactivation=leaky\n[rnn]\noutput=1024\n"
      "batch_normalize=1\nactivation=leaky\n[rnn]\noutput=1024\nbatch_normalize=1\nactivation=leaky\n"
      "[connected]\noutput=256\nactivation=leaky\n[softmax]\n");
  CHECK(m.init_rand_calls() == 8912896ull);
}

TEST_CASE("lower: every error names the place") {
  const std::string net = "[net]\ninputs=256\n";
  CHECK(error_of(net + "[rnnn]\noutput=4\n").find("t.cfg:3:1: error: unknown section [rnnn]") != std::string::npos);
  CHECK(error_of(net + "[rnn]\nactivation=leeky\n").find("t.cfg:4:1: error: unknown activation 'leeky'") !=
        std::string::npos);
  CHECK(error_of(net + "[rnn]\noutput=abc\n").find("t.cfg:4:1: error: 'output' expects an integer, got 'abc'") !=
        std::string::npos);
  CHECK(error_of(net + "[rnn]\noutput=0\n").find("t.cfg:4:1: error: 'output' must be at least 1") != std::string::npos);
  CHECK(error_of("[net]\ninputs=256\nlearning_rate=fast\n[softmax]\n").find("'learning_rate' expects a number") !=
        std::string::npos);
  CHECK(error_of("[net]\ninputs=256\nbatch=10\nsubdivisions=3\n[softmax]\n").find("does not divide") !=
        std::string::npos);
  CHECK(error_of("[net]\nbatch=1\n[softmax]\n").find("needs inputs=") != std::string::npos);
  CHECK(error_of("[net]\ninputs=256\npolicy=steps\nsteps=1,2\nscales=.1\n[softmax]\n").find("steps= has 2 values") !=
        std::string::npos);
  CHECK(error_of("[net]\ninputs=256\npolicy=fancy\n[softmax]\n").find("unknown policy 'fancy'") != std::string::npos);
  CHECK(error_of("[net]\ninputs=256\npolicy=fancy\n[softmax]\n").find("darknet's are constant, step, steps, exp, poly, "
                                                                     "sigmoid, random") != std::string::npos);
  CHECK(error_of("[rnn]\noutput=4\n").find("t.cfg:1:1: error: the first section must be [net]") != std::string::npos);
  CHECK(error_of(net + "[rnn]\nbatch_normalize=2\n").find("'batch_normalize' is 0 or 1") != std::string::npos);
  CHECK(error_of("").find("no sections") != std::string::npos);
}

TEST_CASE("check_text_model: a char-RNN ends in a softmax over its inputs") {
  const std::string net = "[net]\ninputs=256\n";
  CHECK(error_of(net + "[rnn]\noutput=8\n[connected]\noutput=256\n", true).find("t.cfg:5:1: error: the last layer is [connected]") !=
        std::string::npos);
  CHECK(error_of(net + "[rnn]\noutput=8\n[softmax]\n", true).find("the [softmax] has 8 outputs") != std::string::npos);
  // A word-level model reads more than 256 symbols (token ids), up to what a training batch holds.
  CHECK(error_of("[net]\ninputs=300\n[connected]\noutput=300\n[softmax]\n", true) == "");
  CHECK(error_of("[net]\nbatch=64\ntime_steps=64\ninputs=600000\n[rnn]\noutput=2\n[connected]\noutput=600000\n[softmax]\n",
                 true)
            .find("t.cfg:7:1: error: [connected] connected1: output=600000 with 4096 rows") == 0);
  CHECK(error_of("[net]\nheight=20\nwidth=20\nchannels=1\n[connected]\noutput=400\n[softmax]\n", true)
            .find("t.cfg:2:1: error: height x width x channels = 400") == 0);
  CHECK(error_of(net + "[connected]\noutput=256\n[softmax]\n", true) == "");
}

TEST_CASE("lower: duplicate keys warn, darknet takes the first") {
  Diagnostics d;
  Model m = lower_text("[net]\ninputs=256\n[rnn]\noutput=8\noutput=9\n[connected]\noutput=256\n[softmax]\n", &d);
  CHECK(m.layers[0].outputs == 8);
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].find("t.cfg:5:1: warning: 'output' is set twice") != std::string::npos);
}

static std::string net_error(const std::string& net_lines, const std::string& rnn_output = "32",
                             const std::string& softmax_lines = "") {
  return error_of("[net]\ninputs=256\n" + net_lines + "\n[rnn]\noutput=" + rnn_output +
                  "\n[connected]\noutput=256\n[softmax]\n" + softmax_lines + "\n");
}

TEST_CASE("lower: sizes that overflow an int are refused at their line, with the limit") {
  // batch/subdivisions*time_steps was an int: 65536 x 65536 wrapped to 0 streams.
  CHECK(net_error("batch=65536\ntime_steps=65536")
            .find("t.cfg:4:1: error: batch=65536 time_steps=65536 gives 4294967296 rows per training batch "
                  "(65536 streams x 65536 steps); rnnc's limit is 2^23-1 (8388607) rows") != std::string::npos);
  CHECK(net_error("batch=2147483647\ntime_steps=2").find("t.cfg:4:1: error: batch=2147483647 time_steps=2 gives "
                                                         "4294967294 rows") != std::string::npos);
  CHECK(net_error("batch=2147483647").find("t.cfg:3:1: error: batch=2147483647 time_steps=1") != std::string::npos);
  // The parameter count wrapped: 2e9 x 2e9 weights.
  CHECK(net_error("batch=1", "2000000000")
            .find("t.cfg:5:1: error: output=2000000000 gives a 2000000000 x 2000000000 weight matrix (rnn0.self, "
                  "4000000000000000000 elements); rnnc's limit is 2^31-1 elements per sub-layer") != std::string::npos);
  CHECK(net_error("batch=1", "46341").find("rnnc's limit is 2^31-1 elements per sub-layer") != std::string::npos);
  CHECK(net_error("batch=1", "46340") == "");  // 2,147,395,600 elements: fits
  // A training buffer (rows x output) over 2^31-1 elements.
  CHECK(net_error("batch=4096\ntime_steps=2048", "32").find("2^23-1") != std::string::npos);
  CHECK(net_error("batch=2048\ntime_steps=2048", "1024")
            .find("t.cfg:5:1: error: [rnn] rnn0: output=1024 with 4194304 rows per training batch") != std::string::npos);
  CHECK(net_error("batch=128\ntime_steps=576", "1024") == "");  // rnn.train.cfg's shape
}

TEST_CASE("lower: batch numbers are range-checked, not cast") {
  CHECK(net_error("policy=steps\nsteps=1e30\nscales=.1")
            .find("t.cfg:4:1: error: 'steps' holds 1e30, but a batch number runs from 0 to 2147483647") !=
        std::string::npos);
  CHECK(net_error("policy=steps\nsteps=100,-5\nscales=.1,.1").find("'steps' holds -5") != std::string::npos);
  CHECK(net_error("policy=steps\nsteps=100,nan\nscales=.1,.1").find("expects a batch number") != std::string::npos);
  CHECK(net_error("max_batches=-5").find("t.cfg:3:1: error: max_batches must be 0 or more") != std::string::npos);
  CHECK(net_error("max_batches=3000000000").find("'max_batches' expects an integer") != std::string::npos);
  CHECK(net_error("burn_in=-1").find("burn_in must be 0 or more") != std::string::npos);
  Diagnostics d;
  Model m = lower_text(kTiny, &d);
  CHECK(m.net.steps == std::vector<int>{2000, 2700});  // in range: as before
}

TEST_CASE("lower: a real is checked as the float it becomes") {
  CHECK(net_error("learning_rate=1e39")
            .find("t.cfg:3:1: error: 'learning_rate=1e39' is too large for a float") != std::string::npos);
  CHECK(net_error("momentum=-1e39").find("'momentum=-1e39' is too large for a float") != std::string::npos);
  CHECK(net_error("policy=steps\nsteps=10\nscales=1e40").find("'scales=1e40' is too large") != std::string::npos);
  CHECK(net_error("batch=1", "32", "temperature=1e39")
            .find("t.cfg:9:1: error: 'temperature=1e39' is too large for a float") != std::string::npos);
  CHECK(net_error("decay=1e-45").find("'decay=1e-45' is too small for a float (it would be a denormal)") !=
        std::string::npos);
  CHECK(net_error("decay=0") == "");
  CHECK(net_error("learning_rate=3.4e38") == "");
}

TEST_CASE("limits: checked arithmetic and the memory estimate") {
  CHECK(checked_mul(int64_t(1) << 31, int64_t(1) << 31).value() == int64_t(1) << 62);
  CHECK_FALSE(checked_mul(int64_t(1) << 32, int64_t(1) << 32));
  CHECK_FALSE(checked_add(INT64_MAX, 1));
  Diagnostics d;
  Model m = lower_text(kTiny, &d);
  MemoryNeeds need = estimate_memory(m);
  CHECK(need.inference_bytes == uint64_t(m.parameters()) * 8);
  CHECK(need.training_bytes > need.inference_bytes);
}
