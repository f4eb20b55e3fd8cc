// darknet-style command-line flags (`-len 100 -temp .5`), taken out of argv
// as they are read, so that anything left over is an unknown flag. Unlike
// darknet's atoi/atof, a value that is not a number is an error.
#pragma once
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"

namespace rnnc {

class Flags {
 public:
  Flags(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) args_.push_back(argv[i]);
  }

  bool has(const char* name) {
    for (size_t i = 0; i < args_.size(); ++i)
      if (args_[i] == name) {
        args_.erase(args_.begin() + i);
        refuse_repeat(name, i);
        return true;
      }
    return false;
  }

  // Whether the flag is there, leaving it to be read.
  bool given(const char* name) const {
    for (const auto& a : args_)
      if (a == name) return true;
    return false;
  }

  bool find_value(const char* name, std::string& out) {
    for (size_t i = 0; i < args_.size(); ++i)
      if (args_[i] == name) {
        if (i + 1 >= args_.size()) fail("flag %s needs a value", name);
        out = args_[i + 1];
        args_.erase(args_.begin() + i, args_.begin() + i + 2);
        refuse_repeat(name, i);
        return true;
      }
    return false;
  }

  std::string str(const char* name, const std::string& def) {
    std::string v;
    return find_value(name, v) ? v : def;
  }

  long long integer(const char* name, long long def) {
    std::string v;
    if (!find_value(name, v)) return def;
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno) fail("flag %s expects an integer, got '%s'", name, v.c_str());
    return x;
  }

  // The same, refusing a value outside lo..hi (the default is not checked).
  long long integer(const char* name, long long def, long long lo, long long hi) {
    std::string v;
    if (!find_value(name, v)) return def;
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || (errno && errno != ERANGE)) fail("flag %s expects an integer, got '%s'", name, v.c_str());
    if (errno == ERANGE || x < lo || x > hi) fail("%s must be between %lld and %lld, got %s", name, lo, hi, v.c_str());
    return x;
  }

  double real(const char* name, double def) {
    std::string v;
    if (!find_value(name, v)) return def;
    char* end = nullptr;
    errno = 0;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || errno) fail("flag %s expects a number, got '%s'", name, v.c_str());
    return x;
  }

  // The next argument that is not a flag (a weights file), or "".
  std::string positional() {
    for (size_t i = 0; i < args_.size(); ++i)
      if (args_[i].empty() || args_[i][0] != '-') {
        std::string v = args_[i];
        args_.erase(args_.begin() + i);
        return v;
      }
    return "";
  }

  // Call after every flag was read: anything left is a mistake.
  void finish(const char* command) {
    if (!args_.empty())
      fail("%s: unknown argument '%s' (see --help)", command, args_[0].c_str());
  }

 private:
  // Flags are read once, so a second copy would otherwise be left over and
  // reported as unknown; say what it is. `from` is where the first copy was
  // (no copy comes before it).
  void refuse_repeat(const char* name, size_t from) {
    for (size_t i = from; i < args_.size(); ++i)
      if (args_[i] == name) fail("flag %s is given twice", name);
  }

  std::vector<std::string> args_;
};

}  // namespace rnnc
