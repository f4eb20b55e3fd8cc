// Training's pointwise passes (runtime/rnnc/dense/train.h: batch norm, bias,
// activation and their gradients, which the threads share by columns) against
// a plain double-precision twin that walks one column at a time.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "rnnc/random.h"
#include "rnnc/dense/train.h"

using namespace rnnc;

namespace {

constexpr int kRows = 64, kOut = 100, kGroup = 16;  // big enough to be split over the threads

DenseParams random_params(GlibcRandom& g) {
  DenseParams p("dense", 8, kOut, true);
  for (int j = 0; j < kOut; ++j) {
    p.biases[j] = static_cast<real>(g.uniform(-.5, .5));
    p.scales[j] = static_cast<real>(g.uniform(.5, 1.5));
    p.rolling_mean[j] = static_cast<real>(g.uniform(-.5, .5));
    p.rolling_variance[j] = static_cast<real>(g.uniform(.5, 2));
  }
  p.bias_updates.assign(kOut, 0);
  p.scale_updates.assign(kOut, 0);
  return p;
}

double leaky(double x) { return x > 0 ? x : .1 * x; }

}  // namespace

TEST_CASE("training batch norm forward and backward, split by columns, match a plain twin") {
  GlibcRandom g(71);
  DenseParams p = random_params(g);
  const DenseParams before = p;
  train::DenseCache c(kRows, kGroup, kOut, true);
  std::vector<real> z(size_t(kRows) * kOut), delta(z.size());
  for (auto& v : z) v = static_cast<real>(g.uniform(-2, 2));
  for (auto& v : delta) v = static_cast<real>(g.uniform(-1, 1));
  const std::vector<real> z0 = z, delta0 = delta;

  std::copy(z.begin(), z.end(), train::product_rows(p, c, 0));  // where the product would leave z
  train::dense_train_finish<Act::Leaky>(p, c, 0, kRows);
  train::dense_train_backward_pointwise<Act::Leaky>(p, c, 0, kRows, delta.data());

  std::vector<double> rm(before.rolling_mean.begin(), before.rolling_mean.end());
  std::vector<double> rv(before.rolling_variance.begin(), before.rolling_variance.end());
  for (int j = 0; j < kOut; ++j) {
    CAPTURE(j);
    double bias_update = 0, scale_update = 0;
    for (int g0 = 0; g0 < kRows; g0 += kGroup) {
      double mean = 0, sq = 0;
      for (int r = g0; r < g0 + kGroup; ++r) mean += z0[size_t(r) * kOut + j];
      mean /= kGroup;
      for (int r = g0; r < g0 + kGroup; ++r) sq += std::pow(z0[size_t(r) * kOut + j] - mean, 2);
      const double var = sq / (kGroup - 1), sd = std::sqrt(var), D = sd + train::kBnEpsilon;
      rm[j] = .99 * rm[j] + .01 * mean;
      rv[j] = .99 * rv[j] + .01 * var;
      // Forward, then -dL/dz of the same rows.
      double sum_g = 0, sum_gx = 0;
      std::vector<double> xhat(kGroup), grad(kGroup);
      for (int r = 0; r < kGroup; ++r) {
        const size_t i = size_t(g0 + r) * kOut + j;
        xhat[r] = (z0[i] - mean) / D;
        const double y = leaky(xhat[r] * before.scales[j] + before.biases[j]);
        CHECK(c.y[i] == doctest::Approx(y).epsilon(1e-5));
        const double d = delta0[i] * (y > 0 ? 1 : .1);
        bias_update += d;
        scale_update += d * xhat[r];
        grad[r] = d * before.scales[j];
        sum_g += grad[r];
        sum_gx += grad[r] * xhat[r];
      }
      for (int r = 0; r < kGroup; ++r) {
        const double want = (grad[r] - sum_g / kGroup) / D - xhat[r] * sum_gx / ((kGroup - 1) * sd);
        CHECK(delta[size_t(g0 + r) * kOut + j] == doctest::Approx(want).epsilon(1e-4).scale(1));
      }
    }
    CHECK(p.rolling_mean[j] == doctest::Approx(rm[j]).epsilon(1e-5));
    CHECK(p.rolling_variance[j] == doctest::Approx(rv[j]).epsilon(1e-5));
    CHECK(p.bias_updates[j] == doctest::Approx(bias_update).epsilon(1e-4).scale(1));
    CHECK(p.scale_updates[j] == doctest::Approx(scale_update).epsilon(1e-4).scale(1));
  }
}

TEST_CASE("training without batch norm: bias and activation in place on the product's rows, and their gradient") {
  GlibcRandom g(72);
  DenseParams p("dense", 8, kOut, false);
  for (auto& b : p.biases) b = static_cast<real>(g.uniform(-.5, .5));
  p.bias_updates.assign(kOut, 0);
  train::DenseCache c(kRows, kRows, kOut, false);
  std::vector<real> z(size_t(kRows) * kOut), delta(z.size());
  for (auto& v : z) v = static_cast<real>(g.uniform(-2, 2));
  for (auto& v : delta) v = static_cast<real>(g.uniform(-1, 1));
  const std::vector<real> delta0 = delta;
  std::copy(z.begin(), z.end(), train::product_rows(p, c, 0));
  train::dense_train_finish<Act::Leaky>(p, c, 0, kRows);
  train::dense_train_backward_pointwise<Act::Leaky>(p, c, 0, kRows, delta.data());
  for (int j = 0; j < kOut; ++j) {
    CAPTURE(j);
    double bias_update = 0;
    for (int r = 0; r < kRows; ++r) {
      const size_t i = size_t(r) * kOut + j;
      const double y = leaky(double(z[i]) + p.biases[j]);
      CHECK(c.y[i] == doctest::Approx(y).epsilon(1e-6));
      const double d = delta0[i] * (y > 0 ? 1 : .1);
      CHECK(delta[i] == doctest::Approx(d).epsilon(1e-6));
      bias_update += d;
    }
    CHECK(p.bias_updates[j] == doctest::Approx(bias_update).epsilon(1e-5));
  }
}
