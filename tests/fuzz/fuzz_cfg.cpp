// Fuzz target: cfg text -> reader -> lowering -> text-model check -> plans
// (passes on and off) -> emitted C++, as rnnc runs them (the Clang format and
// check, and the build, are left out: they take the emitted text, not the cfg).
// A CompileError is the expected answer to a bad cfg; any other exception,
// a sanitizer report or a hang is a finding, and so is a model that lowers
// but breaks a promise of ir/limits.h: a size the program cannot run (a
// batch of 0 streams, a tensor over 2^31-1 elements, a number that is not a
// finite float) must be refused at its cfg line, not emitted.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "ir/limits.h"
#include "ir/lower.h"
#include "passes/plan.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_cfg: the cfg lowered, but %s\n", what);
  std::abort();
}

bool finite_all(std::initializer_list<float> xs) {
  for (float x : xs)
    if (!std::isfinite(x)) return false;
  return true;
}

// What a lowered model promises the emitter and the program.
void check_model(const rnnc::Model& m) {
  const rnnc::NetOptions& n = m.net;
  require(n.time_steps >= 1 && n.subdivisions >= 1, "a batch has no steps or subdivisions");
  require(n.batch >= n.time_steps && n.batch % n.time_steps == 0, "a batch is not a whole number of streams (at least 1)");
  require(n.batch <= rnnc::kMaxBatchRows, "a batch has more rows than kMaxBatchRows");
  // inputs: any count of symbols (word-level models read more than 256); the layer sizes bound it.
  require(n.inputs >= 1, "inputs is below 1");
  require(n.max_batches >= 0 && n.burn_in >= 0 && n.step >= 1, "a batch count is out of range");
  for (int s : n.steps) require(s >= 0, "a steps= value is negative");
  require(finite_all({n.learning_rate, n.momentum, n.decay, n.scale, n.gamma, n.power, n.B1, n.B2, n.eps}),
          "a [net] number is not a finite float");
  for (float x : n.scales) require(std::isfinite(x), "a scales= value is not a finite float");
  for (const rnnc::Layer& l : m.layers) {
    require(l.inputs >= 1 && l.outputs >= 1, "a layer has no inputs or outputs");
    require(std::isfinite(l.temperature) && l.temperature > 0, "a temperature is not a finite float above 0");
    for (const rnnc::Dense& d : l.dense) {
      require(d.in >= 1 && d.out >= 1, "a sub-layer has no inputs or outputs");
      require(int64_t(d.in) * d.out <= rnnc::kMaxTensorElements, "a weight matrix is over kMaxTensorElements");
      require(int64_t(n.batch) * d.out <= rnnc::kMaxTensorElements, "a training buffer is over kMaxTensorElements");
    }
  }
  require(m.parameters() >= 0, "the parameter count wrapped");  // 0 is fine: [net] then [softmax]
  rnnc::MemoryNeeds need = rnnc::estimate_memory(m);
  require(need.inference_bytes <= rnnc::kMaxMemoryBytes && need.training_bytes <= rnnc::kMaxMemoryBytes,
          "its memory estimate is over kMaxMemoryBytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rnnc::Diagnostics diags;
    rnnc::Model model = rnnc::lower(rnnc::parse_cfg(text, "cfg/fuzz.cfg"), diags);
    rnnc::check_text_model(model);
    check_model(model);
    // What rnnc prints after a build.
    volatile size_t summary = model.summary().size();
    (void)summary;
    for (bool fuse : {true, false}) {
      rnnc::Plan plan = rnnc::make_plan(model, fuse);
      volatile size_t emitted = rnnc::emit_cpp(model, plan).size();
      (void)emitted;
    }
  } catch (const rnnc::CompileError&) {
  }
  return 0;
}
