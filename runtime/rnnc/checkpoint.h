// The resume sidecar: what darknet's weights file loses, kept beside it as
// WEIGHTS.state so that a resumed run continues exactly as an uninterrupted
// one: the generator's state, the stream offsets, the average loss, Adam's
// step, and every momentum (and Adam moment) buffer.
//
// Layout (little-endian), version 2:
//   "RNNCSTA2", u64 parameters, u64 seen, u64 FNV-1a of the weights file,
//   glibc generator state (31 x i32, i32 front, i32 rear),
//   u64 streams, u64 offset per stream, f32 average loss, i32 Adam step,
//   then per dense sub-layer (file order) nine buffers: u64 length, floats.
// The weights file is renamed into place first and the sidecar second; `seen`
// and the checksum let a resume tell a sidecar that belongs to other weights
// (a crash or failed write between the two) from the one written with them.
// Every field is checked before use: the file is data, not trusted.
#pragma once
#include <cmath>
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
  uint64_t seen = 0;              // the weights' `seen` when this was written
  uint64_t weights_checksum = 0;  // fnv1a64 of the weights file's bytes
  GlibcRandom::State rng{};
  std::vector<uint64_t> offsets;
  float avg_loss = -1;
  int32_t adam_t = 0;
};

constexpr char kCheckpointMagic[8] = {'R', 'N', 'N', 'C', 'S', 'T', 'A', '2'};
// Written before the pair carried `seen` and a checksum: cannot be matched to its weights.
constexpr char kCheckpointMagicV1[8] = {'R', 'N', 'N', 'C', 'S', 'T', 'A', '1'};

inline std::vector<std::vector<real>*> checkpoint_buffers(DenseParams& p) {
  return {&p.bias_updates, &p.weight_updates, &p.scale_updates, &p.bias_m, &p.weight_m,
          &p.scale_m,      &p.bias_v,         &p.weight_v,      &p.scale_v};
}

inline const char* checkpoint_buffer_name(int k) {
  static const char* names[9] = {"bias_updates", "weight_updates", "scale_updates", "bias_m", "weight_m",
                                 "scale_m",      "bias_v",         "weight_v",      "scale_v"};
  return names[k];
}

inline void save_checkpoint(const std::string& path, const TrainCheckpoint& c, const std::vector<DenseParams*>& layers,
                            uint64_t parameters) {
  write_file_atomically(path, [&](FILE* f) {
    std::fwrite(kCheckpointMagic, 1, 8, f);
    std::fwrite(&parameters, 8, 1, f);
    std::fwrite(&c.seen, 8, 1, f);
    std::fwrite(&c.weights_checksum, 8, 1, f);
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

// Parses a sidecar held in memory (`path` names it in messages) for a run of
// `parameters` parameters, `streams` streams over a text of `text_size`
// bytes, filling `c` and the layers' momentum/moment buffers. Returns false,
// touching nothing, for a sidecar of the older format (no `seen`, no checksum):
// the caller resumes from the weights alone. Anything malformed is an error.
inline bool load_checkpoint_from_bytes(const std::vector<unsigned char>& d, const std::string& path, TrainCheckpoint& c,
                                       const std::vector<DenseParams*>& layers, uint64_t parameters, int streams,
                                       uint64_t text_size) {
  const char* file = path.c_str();
  size_t at = 0;
  auto take = [&](void* dst, size_t n) {
    if (n > d.size() - at) fail("%s: truncated training state file (%zu bytes)", file, d.size());
    std::memcpy(dst, d.data() + at, n);
    at += n;
  };
  char magic[8];
  take(magic, 8);
  if (std::memcmp(magic, kCheckpointMagicV1, 8) == 0) return false;
  if (std::memcmp(magic, kCheckpointMagic, 8) != 0) fail("%s: not an rnnc training state file", file);
  uint64_t params = 0;
  take(&params, 8);
  if (params != parameters)
    fail("%s: saved for a model of %llu parameters, this one has %llu", file, (unsigned long long)params,
         (unsigned long long)parameters);
  TrainCheckpoint in;
  take(&in.seen, 8);
  take(&in.weights_checksum, 8);
  take(&in.rng, sizeof in.rng);
  if (!GlibcRandom::valid_state(in.rng))
    fail("%s: the generator state is damaged (front %d, rear %d; both must be 0..30, front = rear+3 mod 31)", file,
         in.rng.front, in.rng.rear);
  uint64_t n = 0;
  take(&n, 8);
  if (n != uint64_t(streams)) fail("%s: saved with %llu streams, this cfg runs %d", file, (unsigned long long)n, streams);
  in.offsets.resize(n);
  take(in.offsets.data(), 8 * n);
  for (uint64_t i = 0; i < n; ++i)
    if (in.offsets[i] >= text_size)
      fail("%s: stream %llu is at byte %llu, beyond the %llu-byte training file (saved with another -file? delete "
           "the .state to resume from the weights alone)",
           file, (unsigned long long)i, (unsigned long long)in.offsets[i], (unsigned long long)text_size);
  take(&in.avg_loss, 4);
  // The average of non-negative losses, or -1 before the first batch.
  if (!std::isfinite(in.avg_loss) || (in.avg_loss < 0 && in.avg_loss != -1))
    fail("%s: the average loss %g is damaged (a finite loss >= 0, or -1, expected)", file, in.avg_loss);
  take(&in.adam_t, 4);
  if (in.adam_t < 0 || in.adam_t == INT32_MAX) fail("%s: Adam's step %d is out of range", file, in.adam_t);
  // Check every buffer before storing any, so a failure leaves the layers alone.
  struct Buffer {
    std::vector<real>* v;
    size_t from;  // byte offset of its floats in d
    bool keep;
  };
  std::vector<Buffer> buffers;
  for (DenseParams* p : layers) {
    auto vs = checkpoint_buffers(*p);
    for (int k = 0; k < 9; ++k) {
      std::vector<real>* v = vs[k];
      uint64_t len = 0;
      take(&len, 8);
      if (len > (d.size() - at) / 4)
        fail("%s: %s %s claims %llu floats, more than the file holds", file, p->name.c_str(), checkpoint_buffer_name(k),
             (unsigned long long)len);
      // A buffer this run does not keep (Adam moments from an adam=1 run, say)
      // is skipped; one it keeps but the file lacks stays zero.
      bool keep = len == v->size();
      if (!keep && len != 0 && !v->empty())
        fail("%s: %s %s holds %llu floats, this model has %zu", file, p->name.c_str(), checkpoint_buffer_name(k),
             (unsigned long long)len, v->size());
      for (uint64_t i = 0; i < len; ++i) {
        float x;
        std::memcpy(&x, d.data() + at + 4 * i, 4);
        if (!std::isfinite(x))
          fail("%s: %s %s[%llu] is %s; the training state is damaged", file, p->name.c_str(), checkpoint_buffer_name(k),
               (unsigned long long)i, std::isnan(x) ? "nan" : "infinite");
      }
      buffers.push_back({v, at, keep});
      at += 4 * len;
    }
  }
  if (at != d.size()) fail("%s: %zu unexpected bytes at the end of the training state", file, d.size() - at);
  for (const Buffer& b : buffers)
    if (b.keep)
      for (size_t i = 0; i < b.v->size(); ++i) {
        float x;
        std::memcpy(&x, d.data() + b.from + 4 * i, 4);
        (*b.v)[i] = x;
      }
  c = std::move(in);
  return true;
}

// The same from a file. Returns false when there is no sidecar, or an older
// one that cannot be matched to its weights (`older` says which).
inline bool load_checkpoint(const std::string& path, TrainCheckpoint& c, const std::vector<DenseParams*>& layers,
                            uint64_t parameters, int streams, uint64_t text_size, bool* older = nullptr) {
  if (older) *older = false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  bool ok = load_checkpoint_from_bytes(read_whole_file(path, "training state"), path, c, layers, parameters, streams,
                                       text_size);
  if (!ok && older) *older = true;
  return ok;
}

}  // namespace rnnc
