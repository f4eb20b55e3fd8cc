// The host side of persistent generation on a GPU (rnnc/cuda/persistent.cuh),
// which needs no GPU: the draws made ahead, the slicing of rows over blocks,
// and the size check that keeps a model on chip or sends it to the per-step
// kernels.
#include <doctest/doctest.h>

#include <vector>

#include "rnnc/cuda/persistent_plan.h"
#include "rnnc/sampler.h"
#include "rnnc/utf8.h"

using namespace rnnc;
using namespace rnnc::cuda;

namespace {
// Probabilities that change with every step, as a model's would: the draw must not depend on them.
std::vector<float> probabilities(int n, int step) {
  GlibcRandom g(1000 + step);
  std::vector<float> p(n);
  float sum = 0;
  for (float& v : p) sum += v = g.uniform01() * (g.next() % 7 == 0 ? 1e-5f : 1.f);
  for (float& v : p) v /= sum;
  return p;
}
}  // namespace

TEST_CASE("the draws made ahead are the ones the CPU sampler takes, one per character") {
  const long long len = 500;
  GlibcRandom cpu(77), ahead(77);
  cpu.discard(1234);  // as darknet's init of the weights
  ahead.discard(1234);
  std::vector<GlibcRandom> rngs{ahead};
  std::vector<float> draws;
  draw_ahead(rngs, len, draws);
  REQUIRE(draws.size() == size_t(len));
  for (long long i = 0; i < len; ++i) {
    GlibcRandom before = cpu;
    std::vector<float> p = probabilities(256, static_cast<int>(i));
    int c = sample_char(p.data(), 256, cpu);
    // One draw consumed, and it is draws[i]: the same generator one uniform on.
    CHECK(before.uniform(0, 1) == draws[size_t(i)]);
    CHECK(before.next() == GlibcRandom(cpu).next());
    // The device's walk from that draw picks the same character.
    std::vector<float> q = probabilities(256, static_cast<int>(i));
    for (float& v : q)
      if (v < .0001) v = 0;
    float sum = 0;
    for (float v : q) sum += v;
    const float scale = static_cast<float>(1. / sum);
    for (float& v : q) v *= scale;
    float r = draws[size_t(i)];
    int d = 255;
    for (int k = 0; k < 256; ++k)
      if ((r = r - q[k]) <= 0) {
        d = k;
        break;
      }
    CHECK(c == d);
  }
  // The next chunk continues the stream.
  draw_ahead(rngs, 3, draws);
  for (int i = 0; i < 3; ++i) CHECK(draws[i] == cpu.uniform(0, 1));
}

TEST_CASE("-utf8's sampler takes one draw per character too") {
  GlibcRandom a(5), b(5);
  Utf8State u;
  for (int i = 0; i < 300; ++i) {
    std::vector<float> p = probabilities(256, i);
    int c = sample_char_utf8(p.data(), 256, a, u, 1000);
    u.push(static_cast<unsigned>(c));
    b.uniform(0, 1);
    CHECK(GlibcRandom(a).next() == GlibcRandom(b).next());
  }
}

TEST_CASE("-n N's generators: sample 0 goes on with darknet's stream, sample k is srand(seed + k)") {
  GlibcRandom rng0(9);
  rng0.discard(50);
  std::vector<GlibcRandom> rngs = sample_generators(rng0, 9, 4);
  REQUIRE(rngs.size() == 4);
  std::vector<float> draws;
  draw_ahead(rngs, 10, draws);
  REQUIRE(draws.size() == 40);
  GlibcRandom s0 = rng0, s3(12);
  for (int i = 0; i < 10; ++i) {
    CHECK(draws[i] == s0.uniform(0, 1));
    CHECK(draws[30 + i] == s3.uniform(0, 1));
  }
}

TEST_CASE("row_slice gives every row to exactly one block, balanced") {
  for (int rows : {1, 7, 96, 256, 1000, 1024, 4096})
    for (int blocks : {1, 3, 132, 264, 1000, 2000}) {
      CAPTURE(rows);
      CAPTURE(blocks);
      std::vector<int> owners(rows, 0);
      int smallest = rows, largest = 0;
      for (int b = 0; b < blocks; ++b) {
        RowSlice r = row_slice(rows, blocks, b);
        REQUIRE(r.begin <= r.end);
        for (int j = r.begin; j < r.end; ++j) owners[j]++;
        smallest = std::min(smallest, r.end - r.begin);
        largest = std::max(largest, r.end - r.begin);
      }
      for (int j = 0; j < rows; ++j) REQUIRE(owners[j] == 1);
      CHECK(largest - smallest <= 1);
      CHECK(largest == most_rows(rows, blocks));
    }
}

namespace {
// An H200-like device: 132 SMs, 227 KiB of shared memory a block, 228 KiB an SM, 50 MB of L2.
DeviceLimits h200() {
  DeviceLimits d;
  d.sms = 132;
  d.shared_per_block = 227 * 1024;
  d.l2_bytes = 50u << 20;
  d.blocks_per_sm = [](size_t shared) {
    int by_threads = 2048 / 256;
    int by_shared = static_cast<int>((228 * 1024) / (shared + 1024));
    return std::min(by_threads, by_shared);
  };
  return d;
}
// Phases of three [rnn] of width h reading a one-hot character (cfg/rnn.cfg: 1024), and the output [connected].
std::vector<PhaseShape> rnn_model(int h, int inputs = 256) {
  std::vector<PhaseShape> p;
  for (int l = 0; l < 3; ++l) {
    p.push_back({h, (l ? h : 0) + h});  // the step: input (gathered in the first) and self
    p.push_back({h, h});                // the output sub-layer
  }
  p.push_back({inputs, h});
  return p;
}
// Every place lies inside the block's shared memory, before the tile, without overlap.
void check_places(const OnChipPlan& p, const std::vector<PhaseShape>& phases, size_t fixed_floats) {
  size_t at = 0;
  for (size_t i = 0; i < phases.size(); ++i) {
    CHECK(p.places[i].offset == at);
    CHECK(p.places[i].shared_rows <= most_rows(phases[i].rows, p.blocks));
    at += size_t(p.places[i].shared_rows) * phases[i].width;
  }
  CHECK(at == p.tile_offset);
  CHECK((at + fixed_floats) * sizeof(float) <= p.shared_bytes);
}
}  // namespace

TEST_CASE("a small model stays in shared memory, several blocks an SM") {
  auto phases = rnn_model(96);
  OnChipPlan p = plan_on_chip(phases, 2 * 96, 512, h200());
  REQUIRE(p.persistent);
  CHECK(p.blocks >= 132);
  CHECK(p.blocks % 132 == 0);
  CHECK(p.shared_weight_bytes == p.weight_bytes);
  check_places(p, phases, 2 * 96 + 512);
  for (size_t i = 0; i < phases.size(); ++i) CHECK(p.places[i].shared_rows == most_rows(phases[i].rows, p.blocks));
  CHECK(p.describe().find("persistent") == 0);
}

TEST_CASE("cfg/rnn.cfg: 33 MB of rows, most in shared memory and the rest in L2") {
  auto phases = rnn_model(1024);
  OnChipPlan p = plan_on_chip(phases, 2048, 512, h200());
  REQUIRE(p.persistent);
  CHECK(p.blocks == 132);
  CHECK(p.weight_bytes == size_t(8 * 1024 * 1024 + 256 * 1024) * 4);
  CHECK(p.shared_weight_bytes < p.weight_bytes);
  CHECK(p.shared_weight_bytes > p.weight_bytes * 8 / 10);
  CHECK(p.shared_bytes <= 227 * 1024);
  check_places(p, phases, 2048 + 512);
  CHECK(p.describe().find("in shared memory, the rest in L2") != std::string::npos);
}

TEST_CASE("a model too large for shared memory and half the L2 runs the per-step kernels") {
  auto phases = rnn_model(4096);
  OnChipPlan p = plan_on_chip(phases, 8192, 512, h200());
  CHECK_FALSE(p.persistent);
  CHECK(p.why.find("more than half the L2") != std::string::npos);
  CHECK(p.describe().find("per-step kernels (") == 0);
  // cfg/rnn.cfg on a device with a small L2: what spills past shared memory does not stay on chip.
  DeviceLimits small = h200();
  small.l2_bytes = 1 << 20;
  CHECK_FALSE(plan_on_chip(rnn_model(1024), 2048, 512, small).persistent);
}

TEST_CASE("no cooperative launch, or a tile larger than shared memory: no persistent kernel") {
  DeviceLimits d = h200();
  d.sms = 0;
  CHECK_FALSE(plan_on_chip(rnn_model(96), 192, 512, d).persistent);
  CHECK_FALSE(plan_on_chip(rnn_model(96), 300 * 1024, 512, h200()).persistent);
  DeviceLimits none = h200();
  none.blocks_per_sm = [](size_t) { return 0; };
  CHECK_FALSE(plan_on_chip(rnn_model(96), 192, 512, none).persistent);
}
