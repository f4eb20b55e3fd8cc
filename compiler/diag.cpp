#include "diag.h"

#include <fmt/format.h>

namespace rnnc {

std::string SourceLoc::str() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

CompileError::CompileError(const SourceLoc& loc, const std::string& what)
    : std::runtime_error(fmt::format("{}: error: {}", loc.str(), what)) {}

void Diagnostics::warn(const SourceLoc& loc, const std::string& msg) {
  warnings.push_back(fmt::format("{}: warning: {}", loc.str(), msg));
}

}  // namespace rnnc
