// Training is not in this build of rnnc yet.
#pragma once
#include "program.h"

namespace rnnc {
template <class Model>
int cmd_train(Flags&) {
  fail("train: this program was built without training support");
}
}  // namespace rnnc
