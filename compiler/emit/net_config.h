// The Model's net_config(): the cfg's [net] training options as named
// fields of rnnc::NetConfig (rnnc/vocabulary.h).
#pragma once
#include <string>

#include "ir/model.h"

namespace rnnc {

std::string emit_net_config(const Model& m);

}  // namespace rnnc
