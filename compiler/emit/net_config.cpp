#include "emit/net_config.h"

#include <fmt/format.h>

#include "diag.h"
#include "emit/names.h"

namespace rnnc {

// The [net] options, one assignment per field of rnnc::NetConfig
// (rnnc/vocabulary.h): named, so that no value can land in the wrong field,
// and plain C++17 (designated initialisers are C++20's).
std::string emit_net_config(const Model& m) {
  const NetOptions& n = m.net;
  std::vector<std::string> steps, scales;
  for (int s : n.steps) steps.push_back(std::to_string(s));
  for (float s : n.scales) scales.push_back(float_literal(s));
  const PolicyName& policy = policy_name(n.policy);
  std::string s;
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
  return s;
}

}  // namespace rnnc
