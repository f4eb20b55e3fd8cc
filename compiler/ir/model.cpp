#include "ir/model.h"

#include <fmt/format.h>

namespace rnnc {

namespace {
struct ActName {
  Activation a;
  const char* name;
  const char* enum_name;
};
constexpr ActName kActs[] = {
    {Activation::Logistic, "logistic", "Logistic"}, {Activation::Relu, "relu", "Relu"},
    {Activation::Relie, "relie", "Relie"},          {Activation::Linear, "linear", "Linear"},
    {Activation::Ramp, "ramp", "Ramp"},             {Activation::Tanh, "tanh", "Tanh"},
    {Activation::Plse, "plse", "Plse"},             {Activation::Leaky, "leaky", "Leaky"},
    {Activation::Elu, "elu", "Elu"},                {Activation::Loggy, "loggy", "Loggy"},
    {Activation::Stair, "stair", "Stair"},          {Activation::Hardtan, "hardtan", "Hardtan"},
    {Activation::Lhtan, "lhtan", "Lhtan"},          {Activation::Selu, "selu", "Selu"},
};
struct PolicyName {
  Policy p;
  const char* name;
};
constexpr PolicyName kPolicies[] = {
    {Policy::Constant, "constant"}, {Policy::Step, "step"}, {Policy::Steps, "steps"}, {Policy::Exp, "exp"},
    {Policy::Poly, "poly"},         {Policy::Sig, "sigmoid"}, {Policy::Random, "random"},
};
}  // namespace

std::optional<Activation> activation_from_name(const std::string& name) {
  for (auto& a : kActs)
    if (name == a.name) return a.a;
  return std::nullopt;
}
const char* activation_name(Activation a) {
  for (auto& x : kActs)
    if (x.a == a) return x.name;
  return "?";
}
const char* activation_enum_name(Activation a) {
  for (auto& x : kActs)
    if (x.a == a) return x.enum_name;
  return "?";
}
std::string all_activation_names() {
  std::string s;
  for (auto& a : kActs) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}
std::optional<Policy> policy_from_name(const std::string& name) {
  for (auto& p : kPolicies)
    if (name == p.name) return p.p;
  return std::nullopt;
}
const char* policy_name(Policy p) {
  for (auto& x : kPolicies)
    if (x.p == p) return x.name;
  return "?";
}

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Rnn: return "rnn";
    case LayerKind::Connected: return "connected";
    case LayerKind::Softmax: return "softmax";
    case LayerKind::Lstm: return "lstm";
    case LayerKind::Gru: return "gru";
  }
  return "?";
}

int64_t Model::parameters() const {
  int64_t n = 0;
  for (auto& l : layers)
    for (auto& d : l.dense) n += d.parameters();
  return n;
}

uint64_t Model::init_rand_calls() const {
  uint64_t n = 0;
  for (auto& l : layers)
    for (auto& d : l.dense) n += uint64_t(d.in) * d.out;
  return n;
}

std::string Model::summary() const {
  auto describe = [](const Layer& l) {
    std::string s = fmt::format("[{}]", layer_kind_name(l.kind));
    if (l.kind == LayerKind::Softmax) return s;
    s += fmt::format(" {}", l.outputs);
    std::vector<std::string> notes;
    if (l.batch_normalize) notes.push_back("batch norm");
    if (l.kind == LayerKind::Rnn || l.kind == LayerKind::Connected) notes.push_back(activation_name(l.activation));
    if (l.shortcut) notes.push_back("shortcut");
    if (l.tanh) notes.push_back("tanh");
    if (!notes.empty()) s += " (" + fmt::format("{}", fmt::join(notes, ", ")) + ")";
    return s;
  };
  std::vector<std::string> parts;
  for (size_t i = 0; i < layers.size();) {
    std::string d = describe(layers[i]);
    size_t j = i + 1;
    while (j < layers.size() && describe(layers[j]) == d) ++j;
    parts.push_back(j - i > 1 ? fmt::format("{} x {}", j - i, d) : d);
    i = j;
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace rnnc
