// The resume sidecar: what darknet's weights file loses, kept beside it as
// WEIGHTS.state so that a resumed run continues exactly as an uninterrupted
// one: the generator's state, the stream offsets, the average loss, Adam's
// step, and every momentum (and Adam moment) buffer.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "files.h"
#include "params.h"
#include "random.h"

namespace rnnc {

struct TrainCheckpoint {
  GlibcRandom::State rng{};
  std::vector<uint64_t> offsets;
  float avg_loss = -1;
  int32_t adam_t = 0;
};

constexpr char kCheckpointMagic[8] = {'R', 'N', 'N', 'C', 'S', 'T', 'A', '1'};

inline std::vector<std::vector<real>*> checkpoint_buffers(DenseParams& p) {
  return {&p.bias_updates, &p.weight_updates, &p.scale_updates, &p.bias_m, &p.weight_m,
          &p.scale_m,      &p.bias_v,         &p.weight_v,      &p.scale_v};
}

inline void save_checkpoint(const std::string& path, const TrainCheckpoint& c, const std::vector<DenseParams*>& layers,
                            uint64_t parameters) {
  write_file_atomically(path, [&](FILE* f) {
    std::fwrite(kCheckpointMagic, 1, 8, f);
    std::fwrite(&parameters, 8, 1, f);
    std::fwrite(&c.rng, sizeof c.rng, 1, f);
    uint64_t n = c.offsets.size();
    std::fwrite(&n, 8, 1, f);
    std::fwrite(c.offsets.data(), 8, n, f);
    std::fwrite(&c.avg_loss, 4, 1, f);
    std::fwrite(&c.adam_t, 4, 1, f);
    for (DenseParams* p : layers)
      for (auto* v : checkpoint_buffers(*p)) {
        uint64_t len = v->size();
        std::fwrite(&len, 8, 1, f);
        write_floats(f, *v);
      }
  });
}

// Returns false when there is no sidecar; a sidecar for another model or
// run shape is an error.
inline bool load_checkpoint(const std::string& path, TrainCheckpoint& c, const std::vector<DenseParams*>& layers,
                            uint64_t parameters, int streams) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  std::vector<unsigned char> d = read_whole_file(path, "training state");
  size_t at = 0;
  auto take = [&](void* dst, size_t n) {
    if (at + n > d.size()) fail("%s: truncated training state file", path.c_str());
    std::memcpy(dst, d.data() + at, n);
    at += n;
  };
  char magic[8];
  take(magic, 8);
  if (std::memcmp(magic, kCheckpointMagic, 8) != 0) fail("%s: not an rnnc training state file", path.c_str());
  uint64_t params = 0;
  take(&params, 8);
  if (params != parameters)
    fail("%s: saved for a model of %llu parameters, this one has %llu", path.c_str(), (unsigned long long)params,
         (unsigned long long)parameters);
  take(&c.rng, sizeof c.rng);
  uint64_t n = 0;
  take(&n, 8);
  if (n != uint64_t(streams)) fail("%s: saved with %llu streams, this cfg runs %d", path.c_str(), (unsigned long long)n, streams);
  c.offsets.resize(n);
  take(c.offsets.data(), 8 * n);
  take(&c.avg_loss, 4);
  take(&c.adam_t, 4);
  for (DenseParams* p : layers)
    for (auto* v : checkpoint_buffers(*p)) {
      uint64_t len = 0;
      take(&len, 8);
      // A buffer this run does not keep (Adam moments from an adam=1 run, say)
      // is skipped; one it keeps but the file lacks stays zero.
      bool keep = len == v->size();
      if (!keep && len != 0 && !v->empty()) fail("%s: buffer sizes do not match this model", path.c_str());
      for (uint64_t i = 0; i < len; ++i) {
        float x;
        take(&x, 4);
        if (keep) (*v)[i] = x;
      }
    }
  if (at != d.size()) fail("%s: %zu unexpected bytes at the end of the training state", path.c_str(), d.size() - at);
  return true;
}

}  // namespace rnnc
