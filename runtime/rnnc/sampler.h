// darknet's character sampler (sample_array after test_char_rnn's cut-off),
// in darknet's float arithmetic so that the same rand() value picks the same
// character.
#pragma once
#include "random.h"

namespace rnnc {

// Zeroes probabilities below .0001, renormalises, and walks the array with
// r = rand()/RAND_MAX. Modifies p, as darknet does.
inline int sample_char(float* p, int n, GlibcRandom& rng) {
  for (int j = 0; j < n; ++j)
    if (p[j] < .0001) p[j] = 0;
  float sum = 0;
  for (int j = 0; j < n; ++j) sum += p[j];
  float scale = static_cast<float>(1. / sum);
  for (int j = 0; j < n; ++j) p[j] *= scale;
  float r = rng.uniform(0, 1);
  for (int i = 0; i < n; ++i) {
    r = r - p[i];
    if (r <= 0) return i;
  }
  return n - 1;
}

}  // namespace rnnc
