#include "emit/emit_train.h"

#include <fmt/format.h>

#include "diag.h"
#include "emit/names.h"

namespace rnnc {

namespace {

// The [net] options, one assignment per field of rnnc::NetConfig
// (rnnc/vocabulary.h): named, so that no value can land in the wrong field,
// and plain C++17 (designated initialisers are C++20's).
std::string net_config(const Model& m) {
  const NetOptions& n = m.net;
  std::vector<std::string> steps, scales;
  for (int s : n.steps) steps.push_back(std::to_string(s));
  for (float s : n.scales) scales.push_back(float_literal(s));
  const PolicyName& policy = policy_name(n.policy);
  std::string s;
  s += "  static const rnnc::NetConfig& net_config() {\n";
  s += "    static const rnnc::NetConfig c = [] {\n";
  s += "      rnnc::NetConfig n;\n";
  auto field = [&](const char* name, const std::string& value, const std::string& note = "") {
    s += fmt::format("      n.{} = {};{}\n", name, value, note.empty() ? "" : "  // " + note);
  };
  field("batch", "kBatch");
  field("subdivisions", std::to_string(n.subdivisions));
  field("time_steps", "kTimeSteps");
  field("streams", "kStreams");
  field("learning_rate", float_literal(n.learning_rate));
  field("momentum", float_literal(n.momentum));
  field("decay", float_literal(n.decay));
  field("max_batches", std::to_string(n.max_batches));
  field("policy", fmt::format("rnnc::Policy::{}", policy.enumerator), fmt::format("policy={}", policy.cfg));
  field("steps", fmt::format("{{{}}}", fmt::join(steps, ", ")));
  field("scales", fmt::format("{{{}}}", fmt::join(scales, ", ")));
  field("step", std::to_string(n.step));
  field("scale", float_literal(n.scale));
  field("gamma", float_literal(n.gamma));
  field("power", float_literal(n.power));
  field("burn_in", std::to_string(n.burn_in));
  field("adam", n.adam ? "true" : "false");
  field("B1", float_literal(n.B1));
  field("B2", float_literal(n.B2));
  field("eps", float_literal(n.eps));
  s += "      return n;\n    }();\n    return c;\n  }\n";
  return s;
}

}  // namespace

std::string emit_training(const Model& m) {
  std::string state, init, fwd, bwd, clear;
  std::string prev;  // previous layer's training-state member ("" before the first)
  const size_t n = m.layers.size();
  for (size_t i = 0; i < n; ++i) {
    const Layer& l = m.layers[i];
    const std::string where = fmt::format("    // [{}] {} ({})\n", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()));
    fwd += where;
    std::string sc = l.shortcut ? "true" : "false";
    switch (l.kind) {
      case LayerKind::Rnn: {
        std::string d = fmt::format("params.{}, params.{}, params.{}", member_name(l.dense[0]), member_name(l.dense[1]),
                                    member_name(l.dense[2]));
        state += fmt::format("    rnnc::train::RnnTrain {};\n", l.name);
        init.push_back(',');
        init += fmt::format("\n        rnnc::train::RnnTrain(params.{}, kTimeSteps, kStreams)", member_name(l.dense[0]));
        if (prev.empty())
          fwd += fmt::format("    rnnc::train::rnn_forward_onehot<{}, {}>({}, t.{}, x);\n", act_enum(l.activation), sc, d, l.name);
        else
          fwd += fmt::format("    rnnc::train::rnn_forward<{}, {}>({}, t.{}, t.{}.output());\n", act_enum(l.activation), sc, d,
                             l.name, prev);
        std::string b = where;
        if (prev.empty())
          b += fmt::format("    rnnc::train::rnn_backward_onehot<{}, {}>({}, t.{}, x);\n", act_enum(l.activation), sc, d, l.name);
        else
          b += fmt::format("    rnnc::train::rnn_backward<{}, {}>({}, t.{}, t.{}.output(), t.{}.delta.data());\n",
                           act_enum(l.activation), sc, d, l.name, prev, prev);
        bwd = b + bwd;
        break;
      }
      case LayerKind::Connected: {
        std::string d = "params." + member_name(l.dense[0]);
        state += fmt::format("    rnnc::train::ConnectedTrain {};\n", l.name);
        init += fmt::format(",\n        rnnc::train::ConnectedTrain({}, kRows)", d);
        if (prev.empty())
          fwd += fmt::format("    rnnc::train::connected_forward_onehot<{}>({}, t.{}, x);\n", act_enum(l.activation), d, l.name);
        else
          fwd += fmt::format("    rnnc::train::connected_forward<{}>({}, t.{}, t.{}.output());\n", act_enum(l.activation), d,
                             l.name, prev);
        std::string b = where;
        if (prev.empty())
          b += fmt::format("    rnnc::train::connected_backward_onehot<{}>({}, t.{}, x);\n", act_enum(l.activation), d, l.name);
        else
          b += fmt::format("    rnnc::train::connected_backward<{}>({}, t.{}, t.{}.output(), t.{}.delta.data());\n",
                           act_enum(l.activation), d, l.name, prev, prev);
        bwd = b + bwd;
        break;
      }
      case LayerKind::Softmax:
        state += fmt::format("    rnnc::train::SoftmaxTrain {};\n", l.name);
        init += fmt::format(",\n        rnnc::train::SoftmaxTrain(kRows, k{}Out)", camel(l.name));
        fwd += fmt::format(
            "    return rnnc::train::softmax_loss(t.{}, t.{}.output(), truth, {}, temperature, t.{}.delta.data());\n",
            l.name, prev, l.groups, prev);
        break;
      case LayerKind::Lstm:
      case LayerKind::Gru: {
        const bool lstm = l.kind == LayerKind::Lstm;
        std::vector<std::string> subs;  // the sub-layers in file order
        for (const Dense& dn : l.dense) subs.push_back("params." + member_name(dn));
        std::string d = fmt::format("{}", fmt::join(subs, ", "));
        std::string type = lstm ? "LstmTrain" : "GruTrain", fn = lstm ? "lstm" : "gru";
        std::string targs = lstm ? "" : fmt::format("<{}>", l.tanh ? "true" : "false");
        state += fmt::format("    rnnc::train::{} {};\n", type, l.name);
        init += fmt::format(",\n        rnnc::train::{}(params.{}, kTimeSteps, kStreams)", type, member_name(l.dense[0]));
        if (prev.empty())
          fwd += fmt::format("    rnnc::train::{}_forward_onehot{}({}, t.{}, x);\n", fn, targs, d, l.name);
        else
          fwd += fmt::format("    rnnc::train::{}_forward{}({}, t.{}, t.{}.output());\n", fn, targs, d, l.name, prev);
        std::string b = where;
        if (prev.empty())
          b += fmt::format("    rnnc::train::{}_backward_onehot{}({}, t.{}, x);\n", fn, targs, d, l.name);
        else
          b += fmt::format("    rnnc::train::{}_backward{}({}, t.{}, t.{}.output(), t.{}.delta.data());\n", fn, targs, d,
                           l.name, prev, prev);
        bwd = b + bwd;
        break;
      }
    }
    // Deltas the layer after accumulates into start at zero; the softmax overwrites its input's.
    if (!prev.empty() && l.kind != LayerKind::Softmax)
      clear += fmt::format("    std::fill(t.{0}.delta.begin(), t.{0}.delta.end(), rnnc::real(0));\n", prev);
    prev = l.name;
  }
  init.erase(0, 1);  // the leading comma
  std::string s;
  s += "\n  // ---- Training: kStreams streams of kTimeSteps characters, kRows rows per batch ----\n";
  s += net_config(m);
  s += "  struct TrainState {\n" + state + "  };\n";
  s += "  std::unique_ptr<TrainState> train;\n\n";
  s += "  void train_begin() {\n    train.reset(new TrainState{" + init + "});\n  }\n\n";
  s += "  // Forward over the batch (rows time-major); returns the summed cost.\n";
  s += "  double train_forward(const unsigned char* x, const unsigned char* truth) {\n    TrainState& t = *train;\n" + fwd +
       "  }\n\n";
  s += "  // Backward, last layer first; accumulates every *_updates buffer.\n";
  s += "  void train_backward(const unsigned char* x) {\n    TrainState& t = *train;\n" + clear + bwd + "  }\n";
  return s;
}

}  // namespace rnnc
