#include "ir/ops.h"

#include <fmt/format.h>

#include <stdexcept>

namespace rnnc {

namespace {

const OpInfo kOps[] = {
    {OpKind::OneHot, "one_hot", false, false, "x = one-hot(c)"},
    {OpKind::Dense, "dense", false, false, "y = act(BN(W in) + b)"},
    {OpKind::DenseFolded, "dense.folded", true, true, "y = act(W' in + b')"},
    {OpKind::RnnStep, "rnn_step", false, false, "h = act(input x) + act(self h) (+ h)"},
    {OpKind::RnnStepFused, "rnn_step.fused", true, true, "h = act(input x) + act(self h) (+ h), one kernel"},
    {OpKind::LstmStep, "lstm_step", false, false, "gates of (w* h + u* x); c = c*f + i*g; h = tanh(c)*o"},
    {OpKind::LstmStepFused, "lstm_step.fused", true, true, "the same, one kernel"},
    {OpKind::GruStep, "gru_step", false, false, "z, r of (u* x + w* h); h = z*h + (1-z)*act(uh x + wh (r*h))"},
    {OpKind::GruStepFused, "gru_step.fused", true, true, "the same, one kernel"},
    {OpKind::CopyState, "copy", false, false, "y = h"},
    {OpKind::Softmax, "softmax", false, false, "y = softmax(x / temperature)"},
    {OpKind::Identity, "identity", false, false, "y = x (dropout drops only in training)"},
};

std::vector<int> all_dense(const Layer& l) {
  std::vector<int> v;
  for (size_t i = 0; i < l.dense.size(); ++i) v.push_back(static_cast<int>(i));
  return v;
}

}  // namespace

const OpInfo& op_info(OpKind k) {
  for (const OpInfo& o : kOps)
    if (o.kind == k) return o;
  throw std::logic_error("op_info: unknown op kind");
}

Plan lower_ops(const Model& m) {
  Plan p;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& l = m.layers[i];
    LayerOps lo{l.name, {}};
    auto add = [&](OpKind k, std::vector<int> dense = {}) { lo.ops.push_back(Op{k, std::move(dense)}); };
    // Only the first layer reads the network input, a character; darknet
    // multiplies by its one-hot vector.
    if (i == 0 && l.kind != LayerKind::Softmax) add(OpKind::OneHot);
    switch (l.kind) {
      case LayerKind::Rnn:
        add(OpKind::RnnStep, {0, 1});
        add(OpKind::Dense, {2});
        break;
      case LayerKind::Connected:
        add(OpKind::Dense, {0});
        break;
      case LayerKind::Softmax:
        add(OpKind::Softmax);
        break;
      case LayerKind::Lstm:
        add(OpKind::LstmStep, all_dense(l));
        add(OpKind::CopyState);
        break;
      case LayerKind::Gru:
        add(OpKind::GruStep, all_dense(l));
        add(OpKind::CopyState);
        break;
      case LayerKind::Dropout:
        add(OpKind::Identity);
        break;
    }
    p.layers.push_back(std::move(lo));
  }
  return p;
}

std::string dump_ir(const Model& m, const Plan& p) {
  std::string s = fmt::format("weights: {}\n", p.folded ? "folded (batch norm folded in at load)" : "raw parameters");
  for (size_t i = 0; i < p.layers.size() && i < m.layers.size(); ++i) {
    const Layer& l = m.layers[i];
    s += fmt::format("{} [{}] {}:\n", l.name, layer_kind_name(l.kind), l.outputs);
    for (const Op& op : p.layers[i].ops) {
      const OpInfo& info = op_info(op.kind);
      std::string effect = info.effect;
      if (op.kind == OpKind::Dense || op.kind == OpKind::DenseFolded)  // W x, or W h for [rnn]'s output
        effect.replace(effect.find(" in"), 3, l.dense[op.dense[0]].input == DenseInput::State ? " h" : " x");
      std::string line = fmt::format("  {:<16} {}", info.name, effect);
      if (op.one_hot) line += ", x = one-hot(c) read as a gathered row";
      if (!op.dense.empty()) {
        std::vector<std::string> names;
        for (int d : op.dense) names.push_back(l.dense[d].name);
        line += fmt::format("  [{} {}]", info.folded ? "folded" : "params", fmt::join(names, ", "));
      }
      s += line + "\n";
    }
  }
  return s;
}

}  // namespace rnnc
