// The words that the compiler (rnnc) and the generated programs share, defined
// once: darknet's activations and learning-rate policies with their cfg names,
// the [net] training options, and the sub-layer width from which OpenBLAS pays.
// rnnc includes this header to read a cfg and to spell what it emits; the
// runtime includes it to run what was emitted. Plain C++17, no other headers
// of ours, so that both sides can take it.
#pragma once
#include <vector>

namespace rnnc {

// a == b for C strings, at compile time too (<cstring>'s strcmp is not constexpr).
constexpr bool same_name(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

// ---- Activations: darknet's (src/activations.h), in its enum's order ----
enum class Act { Logistic, Relu, Relie, Linear, Ramp, Tanh, Plse, Leaky, Elu, Loggy, Stair, Hardtan, Lhtan, Selu };

struct ActName {
  Act act;
  const char* cfg;         // activation= in a cfg: "leaky"
  const char* enumerator;  // how emitted C++ spells it after rnnc::Act:: ("Leaky")
};
inline constexpr ActName kActNames[] = {
    {Act::Logistic, "logistic", "Logistic"}, {Act::Relu, "relu", "Relu"},
    {Act::Relie, "relie", "Relie"},          {Act::Linear, "linear", "Linear"},
    {Act::Ramp, "ramp", "Ramp"},             {Act::Tanh, "tanh", "Tanh"},
    {Act::Plse, "plse", "Plse"},             {Act::Leaky, "leaky", "Leaky"},
    {Act::Elu, "elu", "Elu"},                {Act::Loggy, "loggy", "Loggy"},
    {Act::Stair, "stair", "Stair"},          {Act::Hardtan, "hardtan", "Hardtan"},
    {Act::Lhtan, "lhtan", "Lhtan"},          {Act::Selu, "selu", "Selu"},
};

// The entry for a cfg name, or null.
constexpr const ActName* find_act(const char* cfg_name) {
  for (const ActName& a : kActNames)
    if (same_name(cfg_name, a.cfg)) return &a;
  return nullptr;
}
constexpr const ActName& act_name(Act a) {
  for (const ActName& x : kActNames)
    if (x.act == a) return x;
  return kActNames[0];  // unreachable: every enumerator has an entry
}

// ---- Learning-rate policies: darknet's (get_current_rate) ----
enum class Policy { Constant, Step, Steps, Exp, Poly, Sig, Random };

struct PolicyName {
  Policy policy;
  const char* cfg;         // policy= in a cfg: "sigmoid"
  const char* enumerator;  // after rnnc::Policy:: ("Sig")
};
inline constexpr PolicyName kPolicyNames[] = {
    {Policy::Constant, "constant", "Constant"}, {Policy::Step, "step", "Step"}, {Policy::Steps, "steps", "Steps"},
    {Policy::Exp, "exp", "Exp"},                {Policy::Poly, "poly", "Poly"}, {Policy::Sig, "sigmoid", "Sig"},
    {Policy::Random, "random", "Random"},
};

constexpr const PolicyName* find_policy(const char* cfg_name) {
  for (const PolicyName& p : kPolicyNames)
    if (same_name(cfg_name, p.cfg)) return &p;
  return nullptr;
}
constexpr const PolicyName& policy_name(Policy p) {
  for (const PolicyName& x : kPolicyNames)
    if (x.policy == p) return x;
  return kPolicyNames[0];  // unreachable
}

// ---- [net]: the training options, with darknet's defaults ----
// rnnc fills it from the cfg; the program gets it back, field by field, from
// the generated Model::net_config().
struct NetConfig {
  int batch = 1;  // effective: rows per batch, streams x time_steps (cfg batch / subdivisions * time_steps)
  int subdivisions = 1;
  int time_steps = 1;
  int streams = 1;  // text streams per batch: cfg batch / subdivisions
  float learning_rate = .001f, momentum = .9f, decay = .0001f;
  int max_batches = 0;
  Policy policy = Policy::Constant;
  std::vector<int> steps;     // policy=steps: the batches where the rate changes
  std::vector<float> scales;  // and the factor at each
  int step = 1;
  float scale = 1, gamma = 1, power = 4;
  int burn_in = 0;
  bool adam = false;
  float B1 = .9f, B2 = .999f, eps = .0000001f;
};

// ---- OpenBLAS ----
// A training product goes to OpenBLAS's sgemm only when both of its widths
// (a sub-layer's inputs and outputs) are at least this; rnnc links OpenBLAS
// into a program only when one of its sub-layers is this wide in and out.
inline constexpr int kBlasMinWidth = 512;

}  // namespace rnnc
