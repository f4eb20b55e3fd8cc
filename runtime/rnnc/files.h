// File helpers: whole-file reads with clear errors, and writes that never
// leave a half-written file behind (a temporary file renamed into place).
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "error.h"

namespace rnnc {

inline std::vector<unsigned char> read_whole_file(const std::string& path, const char* what) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open %s '%s': %s", what, path.c_str(), std::strerror(errno));
  std::vector<unsigned char> data;
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) fail("cannot read %s '%s'", what, path.c_str());
  return data;
}

// Writes through `body` into PATH.tmp, checks every error (a full disk shows
// up at fwrite, fflush or fclose), then renames it over PATH.
inline void write_file_atomically(const std::string& path, const std::function<void(FILE*)>& body) {
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail("cannot write '%s': %s", tmp.c_str(), std::strerror(errno));
  body(f);
  bool bad = std::ferror(f) || std::fflush(f) != 0;
  int err = errno;
  if (std::fclose(f) != 0 && !bad) { bad = true; err = errno; }
  if (bad) {
    std::remove(tmp.c_str());
    fail("cannot write '%s': %s (nothing was replaced)", path.c_str(), std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    fail("cannot rename '%s' to '%s': %s", tmp.c_str(), path.c_str(), std::strerror(err));
  }
}

// Writes v as little-endian float32, whatever the in-memory scalar.
template <class T>
inline void write_floats(FILE* f, const std::vector<T>& v) {
  if constexpr (sizeof(T) == sizeof(float)) {
    if (!v.empty()) std::fwrite(v.data(), sizeof(float), v.size(), f);
  } else {
    std::vector<float> tmp(v.begin(), v.end());
    if (!tmp.empty()) std::fwrite(tmp.data(), sizeof(float), tmp.size(), f);
  }
}

}  // namespace rnnc
