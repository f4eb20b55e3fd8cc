// How the emitters spell things in C++: member names from cfg sub-layer
// names, activation enumerators, float literals.
#pragma once
#include <string>

#include "ir/model.h"

namespace rnnc {

std::string member_name(const Dense& d);          // "rnn0.input" -> "rnn0_input"
std::string act_enum(Act a);                      // "rnnc::Act::Leaky"
std::string float_literal(float v);               // 0.1 -> "0.1f", 1 -> "1.0f"
std::string camel(const std::string& name);       // "rnn0" -> "Rnn0", for constant names

// Text from outside (a cfg path, a model name) as the emitter writes it into C++:
// a string literal with quotes, backslashes, control and non-ASCII bytes as
// escapes ("a\"b\n" -> "\"a\\\"b\\n\""), and a comment's text with no raw line
// end and no backslash at its end (which would continue a // comment onto the
// next line): control and non-ASCII bytes as \xHH, a final backslash as \x5c.
std::string string_literal(const std::string& text);
std::string comment_text(const std::string& text);

}  // namespace rnnc
