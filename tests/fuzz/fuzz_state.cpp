// Fuzz target: the training-state reader (runtime/rnnc/checkpoint.h,
// load_checkpoint_from_bytes) on any bytes, for two tiny models (SGD with
// batch norm; Adam without), as `train WEIGHTS` resumes. A Failure is the
// expected answer to a bad file, and `false` to an older format; a load that
// succeeds must leave nothing train would trip over: a generator state that
// set_state takes and that runs, stream offsets inside the text, a finite
// average loss, finite buffers. Anything else, or a sanitizer report, is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "rnnc/checkpoint.h"
#include "tiny_models.h"

namespace {

// The length of the text make_seeds.sh trains the seeds on: their offsets fit it.
constexpr uint64_t kSeedTextBytes = 210;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_state: a .state loaded, but %s\n", what);
  std::abort();
}

void load_into(const std::vector<unsigned char>& bytes, fuzz::TinyModel m) {
  m.allocate_training();
  rnnc::TrainCheckpoint c;
  try {
    if (!rnnc::load_checkpoint_from_bytes(bytes, "fuzz.state", c, m.layers(), m.parameters(), m.streams,
                                          kSeedTextBytes))
      return;  // an older sidecar: train resumes from the weights alone
  } catch (const rnnc::Failure&) {
    return;
  }
  rnnc::GlibcRandom rng;
  if (!rng.set_state(c.rng)) finding("its generator state is refused by set_state");
  for (int i = 0; i < 100; ++i) rng.next();  // the out-of-bounds write of issue 12 was here
  if (c.offsets.size() != size_t(m.streams)) finding("it holds the wrong number of streams");
  for (uint64_t o : c.offsets)
    if (o >= kSeedTextBytes) finding("a stream offset lies beyond the text");
  if (!std::isfinite(c.avg_loss)) finding("its average loss is not finite");
  for (rnnc::DenseParams* p : m.layers())
    for (auto* v : rnnc::checkpoint_buffers(*p))
      for (rnnc::real x : *v)
        if (!std::isfinite(x)) finding("a momentum or moment buffer holds a value that is not finite");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  load_into(bytes, fuzz::tiny_bn());
  load_into(bytes, fuzz::tiny_adam());
  return 0;
}
