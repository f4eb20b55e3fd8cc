// What a layer that draws random numbers in training (a [dropout]) is given
// by the generated Model's train_begin: the program's training generator,
// darknet's rand() (TrainingRun::rng, the stream the data offsets are drawn
// from before the forward), and whether the draws are frozen.
#pragma once
#include "../random.h"

namespace rnnc::train {

struct Noise {
  GlibcRandom* rng = nullptr;  // draws in the training forward, in darknet's order
  // The masks stay as last drawn: the gradient check sets it after its first
  // forward, so that every perturbed forward sees the same network.
  bool frozen = false;
};

}  // namespace rnnc::train
