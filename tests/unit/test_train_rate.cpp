// darknet's learning-rate policies (get_current_rate): each at the batches
// where it changes, with the values worked out by hand from the spec
// (steps multiply at the listed batch, burn_in ramps as (i/burn_in)^power).
#include <doctest/doctest.h>

#include "rnnc/random.h"
#include "rnnc/train/update.h"

using namespace rnnc;
using namespace rnnc::train;

namespace {

NetConfig config(Policy p) {
  NetConfig n{};
  n.learning_rate = 0.1f;
  n.policy = p;
  n.max_batches = 1000;
  n.power = 4;
  n.scale = 1;
  n.gamma = 1;
  n.step = 1;
  return n;
}

float rate(const NetConfig& n, long long batch) {
  GlibcRandom rng(1);
  return current_rate(n, batch, rng);
}

}  // namespace

TEST_CASE("learning rate: constant and steps (the rate drops at each listed batch)") {
  CHECK(rate(config(Policy::Constant), 12345) == doctest::Approx(0.1));
  NetConfig n = config(Policy::Steps);
  n.steps = {1000, 1500};
  n.scales = {.1f, .1f};
  CHECK(rate(n, 0) == doctest::Approx(0.1));
  CHECK(rate(n, 999) == doctest::Approx(0.1));
  CHECK(rate(n, 1000) == doctest::Approx(0.01));
  CHECK(rate(n, 1499) == doctest::Approx(0.01));
  CHECK(rate(n, 1500) == doctest::Approx(0.001));
  CHECK(rate(n, 100000) == doctest::Approx(0.001));
}

TEST_CASE("learning rate: step, exp, poly, sig") {
  NetConfig s = config(Policy::Step);
  s.step = 100;
  s.scale = .5f;
  CHECK(rate(s, 99) == doctest::Approx(0.1));
  CHECK(rate(s, 100) == doctest::Approx(0.05));
  CHECK(rate(s, 250) == doctest::Approx(0.025));

  NetConfig e = config(Policy::Exp);
  e.gamma = .99f;
  CHECK(rate(e, 100) == doctest::Approx(0.1 * 0.36603234).epsilon(1e-4));

  NetConfig p = config(Policy::Poly);  // (1 - i/max)^power
  CHECK(rate(p, 0) == doctest::Approx(0.1));
  CHECK(rate(p, 500) == doctest::Approx(0.1 * 0.0625));
  CHECK(rate(p, 1000) == doctest::Approx(0.0));

  NetConfig g = config(Policy::Sig);  // 1 / (1 + e^(gamma (i - step)))
  g.gamma = .1f;
  g.step = 50;
  CHECK(rate(g, 50) == doctest::Approx(0.05));
  CHECK(rate(g, 60) == doctest::Approx(0.1 / (1 + 2.718281828)).epsilon(1e-4));
}

TEST_CASE("learning rate: random draws from the training generator; burn_in ramps first") {
  NetConfig r = config(Policy::Random);
  r.power = 1;
  // glibc srand(1): the first rand() is 1804289383.
  CHECK(rate(r, 7) == doctest::Approx(0.1 * 1804289383.0 / 2147483647.0).epsilon(1e-6));

  NetConfig b = config(Policy::Steps);
  b.steps = {1000};
  b.scales = {.1f};
  b.burn_in = 100;
  CHECK(rate(b, 0) == doctest::Approx(0.0));
  CHECK(rate(b, 50) == doctest::Approx(0.1 * 0.0625));  // (50/100)^4
  CHECK(rate(b, 100) == doctest::Approx(0.1));
  CHECK(rate(b, 1000) == doctest::Approx(0.01));
}
