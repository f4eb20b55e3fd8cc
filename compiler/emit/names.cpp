#include "emit/names.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace rnnc {

std::string member_name(const Dense& d) {
  std::string s = d.name;
  for (char& ch : s)
    if (ch == '.') ch = '_';
  return s;
}

std::string act_enum(Activation a) { return fmt::format("rnnc::Act::{}", activation_enum_name(a)); }

std::string float_literal(float v) {
  // C++ has no literal for these: the cfg reader refuses such values, so one here is a bug.
  if (!std::isfinite(v)) throw std::logic_error(fmt::format("float_literal({}): not a finite float", v));
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string camel(const std::string& name) {
  std::string out;
  bool up = true;
  for (char ch : name) {
    if (ch == '.' || ch == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
    up = false;
  }
  return out;
}

}  // namespace rnnc
