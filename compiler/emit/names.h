// How the emitters spell things in C++: member names from cfg sub-layer
// names, activation enumerators, float literals.
#pragma once
#include <string>

#include "ir/model.h"

namespace rnnc {

std::string member_name(const Dense& d);          // "rnn0.input" -> "rnn0_input"
std::string act_enum(Activation a);               // "rnnc::Act::Leaky"
std::string float_literal(float v);               // 0.1 -> "0.1f", 1 -> "1.0f"
std::string camel(const std::string& name);       // "rnn0" -> "Rnn0", for constant names

}  // namespace rnnc
