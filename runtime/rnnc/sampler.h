// darknet's character sampler (sample_array after test_char_rnn's cut-off),
// in darknet's float arithmetic so that the same rand() value picks the same
// character.
#pragma once
#include <vector>

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

// The uniform draws of n samples over the next `steps` characters, [n][steps],
// computed ahead (generate on a device: cuda/persistent.cuh). sample_char and
// sample_char_utf8 take exactly one rng.uniform(0, 1) per character whatever
// the probabilities, so the stream does not depend on the model. Advances
// rngs: a run in chunks calls again.
inline void draw_ahead(std::vector<GlibcRandom>& rngs, long long steps, std::vector<float>& out) {
  out.resize(rngs.size() * size_t(steps));
  for (size_t s = 0; s < rngs.size(); ++s)
    for (long long i = 0; i < steps; ++i) out[s * size_t(steps) + size_t(i)] = rngs[s].uniform(0, 1);
}
// generate -n's generators: sample 0 continues rng0 (darknet's stream, past
// its weight initialisation), sample k is srand(seed + k).
inline std::vector<GlibcRandom> sample_generators(const GlibcRandom& rng0, unsigned seed, int n) {
  std::vector<GlibcRandom> rngs{rng0};
  for (int k = 1; k < n; ++k) rngs.emplace_back(seed + static_cast<unsigned>(k));
  return rngs;
}

}  // namespace rnnc
