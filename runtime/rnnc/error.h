// One clear line and a non-zero exit: how a generated program reports bad input.
//
// Built with -DRNNC_FAIL_THROWS (the fuzz targets in tests/fuzz), fail()
// throws rnnc::Failure carrying the same line instead of printing it and
// exiting, so that a harness can feed the next input: libFuzzer counts any
// exit as a crash.
#pragma once
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#ifdef RNNC_FAIL_THROWS
#include <stdexcept>
#endif

namespace rnnc {

#ifdef RNNC_FAIL_THROWS
// The message fail() would have printed, without the "error: " prefix.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
#endif

[[noreturn]] inline void fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
#ifdef RNNC_FAIL_THROWS
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  throw Failure(buf);
#else
  std::fputs("error: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
  std::exit(1);
#endif
}

// Flushes stdout; a full disk or a closed pipe is one line and exit 1, not
// text silently lost.
inline void flush_stdout() {
  if (std::fflush(stdout) != 0) fail("cannot write the output: %s", std::strerror(errno));
}

inline std::string strprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

}  // namespace rnnc
