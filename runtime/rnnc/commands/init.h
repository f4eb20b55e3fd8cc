// init OUT: a weights file freshly initialised as darknet initialises.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../model.h"
#include "../weights_io.h"

namespace rnnc {

template <class Model>
int cmd_init(Flags& f) {
  long long rseed = read_srand_flag(f, 0);
  bool scramble = f.has("-scramble");
  std::string out = f.positional();
  f.finish("init");
  if (out.empty()) fail("init: where to? usage: init OUT [-srand N] [-scramble]");
  auto m = std::make_unique<Model>();
  GlibcRandom rng(static_cast<unsigned>(rseed));
  init_weights(*m, rng);
  for (DenseParams* p : m->in_file_order()) {
    if (p->batch_norm) p->rolling_variance.assign(p->out, real(1));
    if (!scramble) continue;
    for (real& b : p->biases) b = rng.uniform(-.5, .5);
    if (p->batch_norm)
      for (int j = 0; j < p->out; ++j) {
        p->scales[j] = rng.uniform(.5, 1.5);
        p->rolling_mean[j] = rng.uniform(-.5, .5);
        p->rolling_variance[j] = rng.uniform(.25, 2);
      }
  }
  save_weights(out, m->in_file_order(), 0);
  std::fprintf(stderr, "wrote %s\n", out.c_str());
  return 0;
}

}  // namespace rnnc
