// darknet's weights file, both ways. Header: int32 major, minor, revision,
// then `seen` (uint64 from version 0.2 on, int32 before); then every dense
// sub-layer in cfg order: biases, weights [out][in] ([in][out] when major or
// minor > 1000), and with batch norm scales, rolling mean, rolling variance.
// Unlike darknet we check the length exactly before loading anything.
#pragma once
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
  bool wide_seen() const { return (major * 10 + minor) >= 2 && major < 1000 && minor < 1000; }
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
  auto take = [&](std::vector<real>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      float x;
      std::memcpy(&x, at + 4 * i, 4);
      v[i] = x;
    }
    at += v.size() * 4;
  };
  for (auto* p : layers) {
    take(p->biases);
    take(p->weights);
    if (h.transposed()) {
      std::vector<real> t(p->weights.size());
      for (int i = 0; i < p->in; ++i)
        for (int j = 0; j < p->out; ++j) t[static_cast<size_t>(j) * p->in + i] = p->weights[static_cast<size_t>(i) * p->out + j];
      p->weights.swap(t);
    }
    if (p->batch_norm) {
      take(p->scales);
      take(p->rolling_mean);
      take(p->rolling_variance);
    }
  }
  return h;
}

inline WeightsHeader load_weights(const std::string& path, const std::vector<DenseParams*>& layers, const std::string& model) {
  return load_weights_from_bytes(read_whole_file(path, "weights file"), path, layers, model);
}

// Writes darknet's 0.2.0 layout, atomically.
inline void save_weights(const std::string& path, const std::vector<DenseParams*>& layers, uint64_t seen) {
  write_file_atomically(path, [&](FILE* f) {
    int32_t v[3] = {0, 2, 0};
    std::fwrite(v, 4, 3, f);
    std::fwrite(&seen, 8, 1, f);
    for (auto* p : layers) {
      write_floats(f, p->biases);
      write_floats(f, p->weights);
      if (p->batch_norm) {
        write_floats(f, p->scales);
        write_floats(f, p->rolling_mean);
        write_floats(f, p->rolling_variance);
      }
    }
  });
}

}  // namespace rnnc
