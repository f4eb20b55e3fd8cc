// Parses the emitted translation unit with Clang, in process (libTooling,
// -fsyntax-only), against the runtime headers embedded into rnnc, before any
// compiler process runs. An error in the emitted code becomes a CompileError
// that names the cfg section whose block produced the failing line
// (check/origin.h) and quotes that line.
#pragma once
#include <string>
#include <vector>

namespace rnnc {

struct CheckOptions {
  std::string file_name = "program.cpp";  // what the source is called in messages
  // Extra compiler arguments (e.g. the host's: -std=c++17 -O3 -march=native);
  // -fsyntax-only, the resource directory and the runtime's include path are added.
  std::vector<std::string> args;
  int max_errors = 3;  // how many of the errors to quote in the message
};

// One error Clang reported, and where in SOURCE it points (line 0: nowhere in
// SOURCE, e.g. a runtime header with no instantiation note back into SOURCE).
struct CheckError {
  std::string message;  // "use of undeclared identifier 'x'"
  std::string where;    // "rnnc/params.h:12:3" or "program.cpp:120:5"
  int line = 0;         // the line of SOURCE it is attributed to (1-based)
  int column = 0;
};

// All errors Clang finds in SOURCE; empty if it parses.
std::vector<CheckError> find_errors(const std::string& source, const CheckOptions& opts = {});

// The message for ERRORS in SOURCE: "cfg:line:col: error: the code emitted for
// [kind] layer does not compile" followed by each error and its emitted line.
std::string describe_errors(const std::string& source, const std::vector<CheckError>& errors,
                            const CheckOptions& opts = {});

// Throws CompileError (describe_errors) if SOURCE does not parse.
void check_emitted_source(const std::string& source, const CheckOptions& opts = {});

// The arguments the check runs Clang with, after OPTS.args (for -v).
std::vector<std::string> check_base_args();

}  // namespace rnnc
