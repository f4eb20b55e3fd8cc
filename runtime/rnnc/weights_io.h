// darknet's weights file, both ways. Header: int32 major, minor, revision,
// then `seen` (uint64 from version 0.2 on, int32 before); then every dense
// sub-layer in cfg order: biases, weights [out][in] ([in][out] when major or
// minor > 1000), and with batch norm scales, rolling mean, rolling variance.
// Unlike darknet we check the length exactly before loading anything.
#pragma once
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "files.h"
#include "params.h"

namespace rnnc {

struct WeightsHeader {
  int32_t major = 0, minor = 2, revision = 0;
  uint64_t seen = 0;
  // darknet's test, in 64 bits: major*10 overflows int for a crafted major.
  bool wide_seen() const { return int64_t(major) * 10 + minor >= 2 && major < 1000 && minor < 1000; }
  bool transposed() const { return major > 1000 || minor > 1000; }
  size_t bytes() const { return 12 + (wide_seen() ? 8 : 4); }
};

inline size_t model_file_floats(const std::vector<DenseParams*>& layers) {
  size_t n = 0;
  for (auto* p : layers) n += p->file_floats();
  return n;
}

// Parses a weights file held in memory into `layers`; `model` names the
// model in messages. Returns the header.
inline WeightsHeader load_weights_from_bytes(const std::vector<unsigned char>& data, const std::string& path,
                                             const std::vector<DenseParams*>& layers, const std::string& model) {
  WeightsHeader h;
  if (data.size() < 16)
    fail("%s: %zu bytes is too short for a darknet weights file (the header alone is 16 or 20 bytes)", path.c_str(), data.size());
  std::memcpy(&h.major, &data[0], 4);
  std::memcpy(&h.minor, &data[4], 4);
  std::memcpy(&h.revision, &data[8], 4);
  if (h.major < 0 || h.minor < 0 || h.revision < 0)
    fail("%s: not a darknet weights file (version %d.%d.%d)", path.c_str(), h.major, h.minor, h.revision);
  if (h.wide_seen()) {
    if (data.size() < 20) fail("%s: truncated header", path.c_str());
    std::memcpy(&h.seen, &data[12], 8);
  } else {
    int32_t s;
    std::memcpy(&s, &data[12], 4);
    h.seen = static_cast<uint64_t>(static_cast<uint32_t>(s));
  }
  size_t want = model_file_floats(layers);
  size_t body = data.size() - h.bytes();
  if (body % 4 != 0 || body / 4 != want)
    fail("%s: model '%s' needs %zu floats after the %zu-byte header (version %d.%d.%d), but the file holds %s%zu; "
         "is it the weights of another model?",
         path.c_str(), model.c_str(), want, h.bytes(), h.major, h.minor, h.revision, body % 4 ? "a partial float and " : "",
         body / 4);
  const unsigned char* at = data.data() + h.bytes();
  // A NaN or infinity would only come out as garbage text much later: refuse it here.
  auto take = [&](std::vector<real>& v, const DenseParams& p, const char* what) {
    for (size_t i = 0; i < v.size(); ++i) {
      float x;
      std::memcpy(&x, at + 4 * i, 4);
      if (!std::isfinite(x))
        fail("%s: %s %s[%zu] is %s (at byte %zu); the weights are damaged", path.c_str(), p.name.c_str(), what, i,
             std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf", size_t(at + 4 * i - data.data()));
      v[i] = x;
    }
    at += v.size() * 4;
  };
  for (auto* p : layers) {
    take(p->biases, *p, "biases");
    take(p->weights, *p, "weights");
    if (h.transposed()) {
      std::vector<real> t(p->weights.size());
      for (int i = 0; i < p->in; ++i)
        for (int j = 0; j < p->out; ++j) t[static_cast<size_t>(j) * p->in + i] = p->weights[static_cast<size_t>(i) * p->out + j];
      p->weights.swap(t);
    }
    if (p->batch_norm) {
      take(p->scales, *p, "scales");
      take(p->rolling_mean, *p, "rolling_mean");
      take(p->rolling_variance, *p, "rolling_variance");
    }
  }
  return h;
}

// Checks a weights file's size against a model of `floats` parameters from
// its header and stat() alone, so that a wrong or crafted file is refused
// before the model (which may be large) is allocated.
inline void check_weights_file_size(const std::string& path, uint64_t floats, const std::string& model) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) fail("cannot open weights file '%s': %s", path.c_str(), std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail("%s: not a regular file", path.c_str());
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open weights file '%s': %s", path.c_str(), std::strerror(errno));
  unsigned char head[12];
  size_t got = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (got < sizeof head || size < 16)
    fail("%s: %llu bytes is too short for a darknet weights file (the header alone is 16 or 20 bytes)", path.c_str(),
         (unsigned long long)size);
  WeightsHeader h;
  std::memcpy(&h.major, head, 4);
  std::memcpy(&h.minor, head + 4, 4);
  std::memcpy(&h.revision, head + 8, 4);
  if (h.major < 0 || h.minor < 0 || h.revision < 0)
    fail("%s: not a darknet weights file (version %d.%d.%d)", path.c_str(), h.major, h.minor, h.revision);
  if (size < h.bytes()) fail("%s: truncated header", path.c_str());
  uint64_t body = size - h.bytes();
  if (body % 4 != 0 || body / 4 != floats)
    fail("%s: model '%s' needs %llu floats after the %zu-byte header (version %d.%d.%d), but the file holds %s%llu; "
         "is it the weights of another model?",
         path.c_str(), model.c_str(), (unsigned long long)floats, h.bytes(), h.major, h.minor, h.revision,
         body % 4 ? "a partial float and " : "", (unsigned long long)(body / 4));
}

inline WeightsHeader load_weights(const std::string& path, const std::vector<DenseParams*>& layers, const std::string& model) {
  return load_weights_from_bytes(read_whole_file(path, "weights file"), path, layers, model);
}

// darknet's 0.2.0 layout, in memory.
inline std::vector<unsigned char> weights_file_bytes(const std::vector<DenseParams*>& layers, uint64_t seen) {
  std::vector<unsigned char> out;
  out.reserve(20 + 4 * model_file_floats(layers));
  auto put = [&](const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    out.insert(out.end(), b, b + n);
  };
  int32_t v[3] = {0, 2, 0};
  put(v, 12);
  put(&seen, 8);
  auto floats = [&](const std::vector<real>& xs) {
    size_t at = out.size();
    out.resize(at + 4 * xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      float f = static_cast<float>(xs[i]);
      std::memcpy(&out[at + 4 * i], &f, 4);
    }
  };
  for (auto* p : layers) {
    floats(p->biases);
    floats(p->weights);
    if (p->batch_norm) {
      floats(p->scales);
      floats(p->rolling_mean);
      floats(p->rolling_variance);
    }
  }
  return out;
}

// Writes darknet's 0.2.0 layout, atomically. Returns the file's FNV-1a
// checksum, which a backup's .state records to prove the two belong together.
inline uint64_t save_weights(const std::string& path, const std::vector<DenseParams*>& layers, uint64_t seen) {
  std::vector<unsigned char> bytes = weights_file_bytes(layers, seen);
  write_file_atomically(path, [&](FILE* f) { std::fwrite(bytes.data(), 1, bytes.size(), f); });
  return fnv1a64(bytes.data(), bytes.size());
}

}  // namespace rnnc
