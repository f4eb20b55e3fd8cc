// probs WEIGHTS < text: every step's probabilities, for tests and tools.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../model.h"

namespace rnnc {

template <class Model>
int cmd_probs(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = f.str("-seed", "");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("probs");
  if (weights.empty()) fail("probs: which weights file?");
  check_text_seed(seed, info.inputs, true);
  auto m = load_for_inference<Model>(weights);
  for (unsigned char c : seed) m->step(c);
  for (unsigned char c : read_stdin_text(info.inputs)) {
    const real* out = m->step(c);
    for (int j = 0; j < info.inputs; ++j) std::printf(j ? " %.9g" : "%.9g", static_cast<double>(out[j]));
    std::putchar('\n');
  }
  return 0;
}

}  // namespace rnnc
