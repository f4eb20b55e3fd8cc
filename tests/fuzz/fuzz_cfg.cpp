// Fuzz target: cfg text -> reader -> lowering -> text-model check -> plans
// (passes on and off) -> emitted C++, as rnnc runs them (the Clang format and
// check, and the build, are left out: they take the emitted text, not the cfg).
// A CompileError is the expected answer to a bad cfg; any other exception,
// a sanitizer report or a hang is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "ir/lower.h"
#include "passes/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rnnc::Diagnostics diags;
    rnnc::Model model = rnnc::lower(rnnc::parse_cfg(text, "cfg/fuzz.cfg"), diags);
    rnnc::check_text_model(model);
    // What rnnc prints after a build.
    volatile int64_t parameters = model.parameters();
    (void)parameters;
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
