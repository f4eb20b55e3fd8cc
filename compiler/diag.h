// Where a thing came from in a cfg, and the errors and warnings that point there.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnc {

struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column"
};

// A problem in the user's input: the message names the place.
class CompileError : public std::runtime_error {
 public:
  CompileError(const SourceLoc& loc, const std::string& what);
  explicit CompileError(const std::string& what) : std::runtime_error(what) {}
};

struct Diagnostics {
  std::vector<std::string> warnings;  // "file:line:col: warning: ..."
  void warn(const SourceLoc& loc, const std::string& msg);
};

}  // namespace rnnc
