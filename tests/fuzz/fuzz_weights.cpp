// Fuzz target: the weights loader (runtime/rnnc/weights_io.h) on any bytes,
// into the sub-layers of two tiny models (with and without batch norm). A
// Failure (the one-line error a program prints) is the expected answer to a
// bad file; a sanitizer report, a hang, or a load that succeeds with a value
// the loader promises to refuse (not finite) is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "rnnc/weights_io.h"
#include "tiny_models.h"

namespace {

void expect_finite(const std::vector<rnnc::real>& v, const rnnc::DenseParams& p, const char* what) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) {
      std::fprintf(stderr, "fuzz_weights: the load succeeded with %s %s[%zu] = %g\n", p.name.c_str(), what, i,
                   double(v[i]));
      std::abort();
    }
}

void load_into(const std::vector<unsigned char>& bytes, fuzz::TinyModel m) {
  try {
    rnnc::load_weights_from_bytes(bytes, "fuzz.weights", m.layers(), m.name);
  } catch (const rnnc::Failure&) {
    return;
  }
  for (rnnc::DenseParams* p : m.layers()) {
    expect_finite(p->biases, *p, "biases");
    expect_finite(p->weights, *p, "weights");
    expect_finite(p->scales, *p, "scales");
    expect_finite(p->rolling_mean, *p, "rolling_mean");
    expect_finite(p->rolling_variance, *p, "rolling_variance");
    // What inference does next with them.
    std::vector<rnnc::real> w, b;
    rnnc::fold_batchnorm(*p, w, b);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  load_into(bytes, fuzz::tiny_bn());
  load_into(bytes, fuzz::tiny_adam());
  return 0;
}
