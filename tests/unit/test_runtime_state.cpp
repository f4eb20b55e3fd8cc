// The generated programs' resume state: the generator's state check, the
// .state sidecar's round trip from bytes, and the weights checksum that ties
// a sidecar to its weights. (Refusals exit the process: the e2e tests
// test_state_file.sh and test_runtime_limits.sh cover them.)
#include <doctest/doctest.h>

#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include "rnnc/checkpoint.h"
#include "rnnc/weights_io.h"

using rnnc::DenseParams;
using rnnc::GlibcRandom;

TEST_CASE("GlibcRandom::set_state refuses indices out of range or out of step") {
  GlibcRandom g(9);
  g.discard(100);
  GlibcRandom::State good = g.state();
  CHECK(GlibcRandom::valid_state(good));
  CHECK((good.front - good.rear + 31) % 31 == 3);

  GlibcRandom copy = g;
  int expect = copy.next();
  for (auto [front, rear] : std::vector<std::pair<int, int>>{{100000, 0}, {40, 37}, {-1, 27}, {3, -28}, {4, 0}, {0, 0}, {31, 28}}) {
    GlibcRandom::State bad = good;
    bad.front = front;
    bad.rear = rear;
    CHECK_FALSE(GlibcRandom::valid_state(bad));
    CHECK_FALSE(g.set_state(bad));
  }
  // A refused state leaves the generator as it was.
  CHECK(g.next() == expect);

  // Every state the generator passes through is accepted, including the wrap.
  GlibcRandom h(1);
  for (int i = 0; i < 100; ++i) {
    CHECK(GlibcRandom::valid_state(h.state()));
    h.next();
  }
}

TEST_CASE("WeightsHeader::wide_seen: darknet's test without int overflow") {
  rnnc::WeightsHeader h;
  h.major = 0, h.minor = 2;
  CHECK(h.wide_seen());
  h.minor = 1;
  CHECK_FALSE(h.wide_seen());
  h.major = 1, h.minor = 0;
  CHECK(h.wide_seen());
  h.major = INT_MAX;  // major*10 overflowed int before
  CHECK_FALSE(h.wide_seen());
  CHECK(h.bytes() == 16);
  h.major = 214748365, h.minor = 0;  // major*10 wraps to a negative int
  CHECK_FALSE(h.wide_seen());
}

namespace {
std::vector<unsigned char> file_bytes(const std::string& path) { return rnnc::read_whole_file(path, "test"); }
}  // namespace

TEST_CASE("save_weights returns the FNV-1a checksum of the bytes it wrote") {
  DenseParams a("a", 3, 2, true);
  for (size_t i = 0; i < a.weights.size(); ++i) a.weights[i] = .25f * i;
  std::string path = "/tmp/rnnc_unit_checksum.weights";
  uint64_t sum = rnnc::save_weights(path, {&a}, 77);
  std::vector<unsigned char> bytes = file_bytes(path);
  CHECK(bytes.size() == 20 + 4 * a.file_floats());
  CHECK(sum == rnnc::fnv1a64(bytes.data(), bytes.size()));
  CHECK(rnnc::fnv1a64(nullptr, 0) == 14695981039346656037ull);
  bytes[30] ^= 1;
  CHECK(sum != rnnc::fnv1a64(bytes.data(), bytes.size()));
  std::remove(path.c_str());
}

TEST_CASE("a .state sidecar round-trips through load_checkpoint_from_bytes") {
  DenseParams a("rnn0.input", 4, 3, false), b("rnn0.self", 3, 3, true);
  for (DenseParams* p : {&a, &b}) {
    p->bias_updates.assign(p->out, 0);
    p->weight_updates.assign(p->weights.size(), 0);
    if (p->batch_norm) p->scale_updates.assign(p->out, 0);
  }
  for (size_t i = 0; i < a.weight_updates.size(); ++i) a.weight_updates[i] = -.5f * i;
  for (size_t i = 0; i < b.scale_updates.size(); ++i) b.scale_updates[i] = 3.f + i;
  GlibcRandom g(4);
  g.discard(55);
  rnnc::TrainCheckpoint c;
  c.seen = 4096;
  c.weights_checksum = 0x1234567890abcdefull;
  c.rng = g.state();
  c.offsets = {5, 99};
  c.avg_loss = 2.5f;
  c.adam_t = 17;
  std::string path = "/tmp/rnnc_unit_checkpoint.state";
  rnnc::save_checkpoint(path, c, {&a, &b}, 42);

  DenseParams a2("rnn0.input", 4, 3, false), b2("rnn0.self", 3, 3, true);
  for (DenseParams* p : {&a2, &b2}) {
    p->bias_updates.assign(p->out, 0);
    p->weight_updates.assign(p->weights.size(), 0);
    if (p->batch_norm) p->scale_updates.assign(p->out, 0);
  }
  rnnc::TrainCheckpoint got;
  std::vector<unsigned char> bytes = file_bytes(path);
  REQUIRE(rnnc::load_checkpoint_from_bytes(bytes, path, got, {&a2, &b2}, 42, 2, 100));
  CHECK(got.seen == 4096);
  CHECK(got.weights_checksum == 0x1234567890abcdefull);
  CHECK(got.offsets == c.offsets);
  CHECK(got.avg_loss == 2.5f);
  CHECK(got.adam_t == 17);
  GlibcRandom g2(1);
  REQUIRE(g2.set_state(got.rng));
  CHECK(g2.next() == g.next());
  CHECK(a2.weight_updates == a.weight_updates);
  CHECK(b2.scale_updates == b.scale_updates);

  // The path version reads the same file.
  rnnc::TrainCheckpoint viafile;
  bool older = true;
  CHECK(rnnc::load_checkpoint(path, viafile, {&a2, &b2}, 42, 2, 100, &older));
  CHECK_FALSE(older);
  CHECK(viafile.seen == 4096);
  CHECK_FALSE(rnnc::load_checkpoint("/tmp/rnnc_unit_no_such.state", viafile, {&a2, &b2}, 42, 2, 100, &older));
  CHECK_FALSE(older);

  // A version-1 sidecar (no seen, no checksum) is not used, and nothing is touched.
  bytes[7] = '1';
  DenseParams a3("rnn0.input", 4, 3, false), b3("rnn0.self", 3, 3, true);
  a3.weight_updates.assign(a3.weights.size(), 0);
  rnnc::TrainCheckpoint old;
  CHECK_FALSE(rnnc::load_checkpoint_from_bytes(bytes, path, old, {&a3, &b3}, 42, 2, 100));
  CHECK(old.seen == 0);
  CHECK(a3.weight_updates == std::vector<rnnc::real>(a3.weights.size(), 0));
  std::remove(path.c_str());
}
