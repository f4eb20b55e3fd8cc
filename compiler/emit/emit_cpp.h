// Writes one C++ translation unit for a model, from templates/program.cpp.tmpl,
// against the runtime's headers. Names come from the cfg's layers, sizes are
// named constants, and each block says which cfg section it came from.
#pragma once
#include <string>

#include "ir/model.h"
#include "passes/plan.h"
#include "plan/product_plan.h"

namespace rnnc {

struct EmitOptions {
  // Test-only: emit a line that does not compile, attributed to this layer
  // (index into Model::layers), to show that errors point at the cfg.
  int inject_error_in_layer = -1;
  // The -march the program is built with: named in its model line and in the
  // one line it prints on a CPU that lacks what it was built for.
  std::string march = "native";
  // A CUDA build (rnnc --cuda): main() first offers the command to the GPU
  // path (emit_cuda's unit), which runs it or hands it back.
  bool cuda = false;
  // What the GPU code was compiled for, for the GPU path's model line: "GPU code for sm_90, PTX compute_75".
  std::string cuda_target;
  // The kernel of each training product (compiler/plan/): emitted as named
  // constants and handed to the runtime by main. None: the runtime's fixed rule.
  const ProductPlanTable* products = nullptr;
};

std::string emit_cpp(const Model& m, const Plan& plan, const EmitOptions& opts = {});

// The GPU path of a CUDA build, from templates/program.cu.tmpl: the same
// layers and chains on the Cuda backend (rnnc/layers/*.cuh), for one
// character at a time, and rnnc_cuda_main, which program.cpp's main() calls.
std::string emit_cuda(const Model& m, const Plan& plan, const EmitOptions& opts);

// Fills {{KEY}} holes in a template; an unknown or unfilled hole is an error.
std::string fill_template(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& holes);

}  // namespace rnnc
