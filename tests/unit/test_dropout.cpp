// [dropout]: the runtime layer (runtime/rnnc/layers/dropout.h) against a
// generator stepped by hand, and its lowering, IR op and emitted code.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "ir/lower.h"
#include "ir/ops.h"
#include "passes/plan.h"
#include "rnnc/layers/dropout.h"
#include "rnnc/random.h"
#include "rnnc/train/noise.h"

using namespace rnnc;

namespace {

constexpr int kIn = 5, kSteps = 3, kStreams = 2, kRows = kSteps * kStreams, kCount = kRows * kIn;
constexpr std::uint32_t kP03 = 0x3e99999au;  // the bits of .3f
using Drop = layers::Dropout<kIn, kIn, kP03, kSteps, kStreams>;

std::vector<real> ramp(real from) {
  std::vector<real> v(kCount);
  for (int i = 0; i < kCount; ++i) v[i] = from + real(i) * real(.25);
  return v;
}

}  // namespace

TEST_CASE("dropout: the probability is the float its bits say; scale is darknet's 1./(1.-p) as a float") {
  float p;
  std::memcpy(&p, &kP03, sizeof p);
  CHECK(p == .3f);
  CHECK(Drop::probability() == .3f);
  CHECK(Drop::scale() == static_cast<float>(1. / (1. - double(.3f))));
  CHECK(Drop::kSublayers == 0);
  Drop d("dropout1", false);
  CHECK(d.in_file_order().empty());
  CHECK(d.in_build_order().empty());
}

TEST_CASE("dropout: inference is the identity, one character and n samples") {
  Drop d("dropout1", false);
  d.reset_state();
  real x[kIn] = {1.5f, -2, 0, 3.25f, 7};
  d.identity(x);
  for (int i = 0; i < kIn; ++i) CHECK(d.y[i] == x[i]);
  const int n = 3;
  d.reset_batch(n);
  std::vector<real> X(kIn * n);
  for (size_t i = 0; i < X.size(); ++i) X[i] = real(i) - 4;
  d.identity_batch(X.data());
  CHECK(d.yb == X);
}

TEST_CASE("dropout: training draws rows x inputs uniforms in order, drops r < p, scales the rest; backward adds") {
  GlibcRandom rng(11), ref(11);
  train::Noise noise{&rng};
  Drop d("dropout1", false);
  d.train_begin(noise);
  const std::vector<real> x = ramp(-3);
  d.forward(x.data());
  const float scale = Drop::scale();
  std::vector<bool> kept(kCount);
  int dropped = 0;
  for (int i = 0; i < kCount; ++i) {
    const float r = static_cast<float>(ref.next()) / static_cast<float>(GlibcRandom::kRandMax);  // rand_uniform(0, 1)
    kept[i] = !(r < .3f);
    dropped += !kept[i];
    CAPTURE(i);
    CHECK(d.train_output()[i] == (kept[i] ? x[i] * real(scale) : real(0)));
  }
  CHECK(dropped > 0);
  CHECK(dropped < kCount);
  CHECK(rng.next() == ref.next());  // exactly kCount draws
  ref = rng;

  // Backward adds delta * scale into dx where kept, nothing where dropped.
  for (int i = 0; i < kCount; ++i) d.delta()[i] = real(i % 7) - 3;
  std::vector<real> dx(kCount, real(.5));
  d.backward(x.data(), dx.data());
  for (int i = 0; i < kCount; ++i) {
    CAPTURE(i);
    CHECK(dx[i] == (kept[i] ? real(.5) + d.delta()[i] * real(scale) : real(.5)));
  }
  d.clear_delta();
  for (int i = 0; i < kCount; ++i) CHECK(d.delta()[i] == 0);

  // Frozen: the next forward reuses the mask and draws nothing.
  noise.frozen = true;
  const std::vector<real> x2 = ramp(2);
  d.forward(x2.data());
  for (int i = 0; i < kCount; ++i) CHECK(d.train_output()[i] == (kept[i] ? x2[i] * real(scale) : real(0)));
  CHECK(rng.next() == ref.next());

  // Thawed: it draws again, the next kCount numbers.
  noise.frozen = false;
  GlibcRandom before = rng;
  d.forward(x2.data());
  for (int i = 0; i < kCount; ++i) {
    const float r = before.uniform01();
    CHECK(d.train_output()[i] == (r < .3f ? real(0) : x2[i] * real(scale)));
  }
  CHECK(rng.next() == before.next());
}

TEST_CASE("dropout: frozen before any draw still draws once") {
  GlibcRandom rng(3), ref(3);
  train::Noise noise{&rng, true};
  Drop d("dropout1", false);
  d.train_begin(noise);
  const std::vector<real> x = ramp(1);
  d.forward(x.data());
  ref.discard(kCount);
  CHECK(rng.next() == ref.next());
}

TEST_CASE("dropout: probability 0 keeps everything at scale 1") {
  using Keep = layers::Dropout<kIn, kIn, 0u, kSteps, kStreams>;
  GlibcRandom rng(5);
  train::Noise noise{&rng};
  Keep d("dropout1", false);
  d.train_begin(noise);
  const std::vector<real> x = ramp(-1);
  d.forward(x.data());
  for (int i = 0; i < kCount; ++i) CHECK(d.train_output()[i] == x[i]);
}

// ---- The compiler side ----

namespace {

const std::string kNet = "[net]\ninputs=256\nbatch=4\ntime_steps=2\n";
const std::string kBody = "[lstm]\noutput=8\n[dropout]\nprobability=0.3\n[gru]\noutput=8\n[connected]\noutput=256\n"
                          "activation=linear\n[softmax]\n";

Model lower_text(const std::string& text, Diagnostics* d = nullptr) {
  Diagnostics local;
  return lower(parse_cfg(text, "t.cfg"), d ? *d : local);
}

std::string error_of(const std::string& text) {
  try {
    lower_text(text);
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("dropout: lowering, summary and the parameter counts") {
  Model m = lower_text(kNet + kBody);
  REQUIRE(m.layers.size() == 5);
  const Layer& l = m.layers[1];
  CHECK(l.kind == LayerKind::Dropout);
  CHECK(l.name == "dropout1");
  CHECK(l.inputs == 8);
  CHECK(l.outputs == 8);
  CHECK(l.probability == .3f);
  CHECK(l.dense.empty());
  CHECK(m.layers[2].inputs == 8);
  CHECK(m.summary() == "[lstm] 8, [dropout] 0.3, [gru] 8, [connected] 256 (linear), [softmax]");
  // No parameters, no rand() at init: the same counts as without it.
  Model without = lower_text(kNet + "[lstm]\noutput=8\n[gru]\noutput=8\n[connected]\noutput=256\nactivation=linear\n[softmax]\n");
  CHECK(m.parameters() == without.parameters());
  CHECK(m.init_rand_calls() == without.init_rand_calls());
  CHECK(lower_text(kNet + "[rnn]\noutput=8\n[dropout]\n[connected]\noutput=256\n[softmax]\n").layers[1].probability == .5f);
}

TEST_CASE("dropout: cfg errors at their line; unknown keys warn") {
  CHECK(error_of(kNet + "[dropout]\n[connected]\noutput=256\n[softmax]\n").find("t.cfg:5:1: error: a [dropout] cannot be the first layer") !=
        std::string::npos);
  const std::string pre = kNet + "[rnn]\noutput=8\n[dropout]\n";  // [dropout] at line 7
  CHECK(error_of(pre + "probability=1\n").find("t.cfg:8:1: error: 'probability' is the chance") != std::string::npos);
  CHECK(error_of(pre + "probability=-0.1\n").find("t.cfg:8:1: error: 'probability'") != std::string::npos);
  CHECK(error_of(pre + "probability=2\n").find("got 2") != std::string::npos);
  CHECK(error_of(pre + "probability=half\n").find("t.cfg:8:1: error: 'probability' expects a number") !=
        std::string::npos);
  CHECK(error_of(pre + "probability=0\n") == "");
  CHECK(error_of(pre + "probability=0.999\n") == "");
  Diagnostics d;
  lower_text(pre + "probabilty=0.2\n[connected]\noutput=256\n[softmax]\n", &d);
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].find("t.cfg:8:1: warning: unused field 'probabilty = 0.2' in [dropout]") != std::string::npos);
}

TEST_CASE("dropout: one identity op, which every pass leaves alone; --dump-ir shows it") {
  Model m = lower_text(kNet + kBody);
  for (bool fuse : {false, true}) {
    Plan p = make_plan(m, fuse);
    REQUIRE(p.layers[1].ops.size() == 1);
    CHECK(p.layers[1].ops[0].kind == OpKind::Identity);
    CHECK_FALSE(p.layers[1].ops[0].one_hot);
    CHECK(dump_ir(m, p).find("dropout1 [dropout] 8:\n  identity ") != std::string::npos);
  }
}

TEST_CASE("dropout: the emitted layer, its train_begin(noise) and its chains") {
  Model m = lower_text(kNet + kBody);
  const std::string src = emit_cpp(m, make_plan(m, true));
  CHECK(src.find("#include \"rnnc/layers/dropout.h\"") != std::string::npos);
  CHECK(src.find("rnnc::layers::Dropout<kDropout1In, kDropout1Out, /*probability=0.3*/ 0x3e99999au, kTimeSteps, "
                 "kStreams> dropout1") != std::string::npos);
  CHECK(src.find("dropout1.train_begin(noise);") != std::string::npos);
  CHECK(src.find("lstm0.train_begin();") != std::string::npos);
  CHECK(src.find("dropout1.identity(lstm0.y);") != std::string::npos);
  CHECK(src.find("dropout1.identity_batch(lstm0.yb.data());") == std::string::npos);  // lstm has no batch kernels
  CHECK(src.find("gru2.step_fused(dropout1.y);") != std::string::npos);
  CHECK(src.find("dropout1.forward(lstm0.train_output());") != std::string::npos);
  CHECK(src.find("dropout1.backward(lstm0.train_output(), lstm0.delta());") != std::string::npos);
  CHECK(src.find("gru2.backward(dropout1.train_output(), dropout1.delta());") != std::string::npos);
  // A model of batch kernels only: the identity has its batch form.
  Model r = lower_text(kNet + "[rnn]\noutput=8\n[dropout]\n[connected]\noutput=256\n[softmax]\n");
  const std::string rs = emit_cpp(r, make_plan(r, true));
  CHECK(rs.find("dropout1.identity_batch(rnn0.yb.data());") != std::string::npos);
  CHECK(rs.find("kHasBatchStep = true") != std::string::npos);
}
