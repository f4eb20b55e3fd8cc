#include "diag.h"

#include <fmt/format.h>

namespace rnnc {

namespace {

// A path as one line of a message: control bytes (a newline in a file name) as escapes.
std::string printable(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (c == '\n')
      out += "\\n";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

std::string SourceLoc::str() const {
  if (line == 0) return printable(file);
  return fmt::format("{}:{}:{}", printable(file), line, column);
}

CompileError::CompileError(const SourceLoc& loc, const std::string& what)
    : std::runtime_error(fmt::format("{}: error: {}", loc.str(), what)) {}

void Diagnostics::warn(const SourceLoc& loc, const std::string& msg) {
  warnings.push_back(fmt::format("{}: warning: {}", loc.str(), msg));
}

}  // namespace rnnc
