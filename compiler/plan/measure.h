// `rnnc --plan measured`: each wide product's candidates timed on this
// machine (cached), the fastest kept. See measure.cpp.
#pragma once
#include <vector>

#include "driver/build.h"
#include "plan/product_plan.h"

namespace rnnc {

// LIBRARIES: the kernels besides rnnc's that OPTS links (OpenBLAS where
// opts.blas_archive names one, oneDNN with opts.dnnl), the candidates of the
// wide products; narrow products and a plan without libraries time nothing.
ProductPlanTable measured_plan(const Model& m, const BuildOptions& opts, const std::vector<ProductKernel>& libraries);

}  // namespace rnnc
