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

std::string act_enum(Act a) { return fmt::format("rnnc::Act::{}", act_name(a).enumerator); }

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

namespace {

// A byte that cannot stand for itself in the emitted file.
bool needs_escape(unsigned char c) { return c < 0x20 || c >= 0x7f; }

}  // namespace

std::string string_literal(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      out += {'\\', static_cast<char>(c)};
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (needs_escape(c))
      out += fmt::format("\\{:03o}", c);  // three octal digits: the next character cannot extend it
    else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string comment_text(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n')
      out += "\\n";
    else if (c == '\\')
      out += i + 1 == text.size() ? "\\x5c" : "\\\\";
    else if (needs_escape(c))
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace rnnc
