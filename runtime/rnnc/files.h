// File helpers: whole-file reads with clear errors, and writes that never
// leave a half-written file behind (a temporary file renamed into place).
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
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
  // fsync before the rename: otherwise a power cut can leave the new name
  // pointing at a file whose blocks never reached the disk.
  bool bad = std::ferror(f) || std::fflush(f) != 0 || ::fsync(fileno(f)) != 0;
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
  // And the folder, so the rename itself is durable (best effort: some file
  // systems refuse fsync on a folder).
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// 64-bit FNV-1a: a cheap fingerprint that ties a backup's .state to the
// exact weights file it was written with.
inline uint64_t fnv1a64(const unsigned char* p, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
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
