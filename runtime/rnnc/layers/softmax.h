// [softmax]: darknet's softmax over GROUPS groups, with the sampling
// temperature, and in training its cross-entropy cost. No parameters.
#pragma once
#include <cmath>
#include <memory>
#include <vector>

#include "../activations.h"
#include "../threads.h"
#include "layer.h"

namespace rnnc::layers {

template <int IN, int N, int GROUPS, int STEPS, int STREAMS, class Backend = Cpu>
struct Softmax {
  static_assert(IN == N && N % GROUPS == 0, "a softmax has as many outputs as inputs, in whole groups");
  static constexpr int kIn = N, kOut = N, kSublayers = 0, kGroup = N / GROUPS;
  Softmax(const std::string&, bool) {}
  std::vector<DenseParams*> in_file_order() { return {}; }
  std::vector<DenseParams*> in_build_order() { return {}; }

  // ---- One character: y = softmax(x / temperature) per group; exp in
  // double, as darknet calls it ----
  real y[N] = {};
  void reset_state() {}
  void softmax(const real* x, real temperature) { probabilities(x, temperature, y); }

  // ---- n samples at once: X is [N][n]; yb is sample-major [n][N], for the sampler ----
  std::vector<real> yb;
  int n = 0;
  void reset_batch(int samples) {
    n = samples;
    yb.assign(size_t(N) * n, real(0));
  }
  // Samples are independent: the threads take a share each.
  void softmax_batch(const real* X, real temperature) {
    real* P = yb.data();
    const int count = n;
    parallel_for(
        count,
        [&](int s0, int s1) {
          thread_local std::vector<real> column;
          column.resize(N);
          for (int s = s0; s < s1; ++s) {
            for (int j = 0; j < N; ++j) column[j] = X[size_t(j) * count + s];
            probabilities(column.data(), temperature, P + size_t(s) * N);
          }
        },
        8);
  }

  // ---- Training: softmax of every row, darknet's cost -log p[truth] ----
  struct Train {
    static constexpr int rows = STEPS * STREAMS;
    std::vector<real> p;       // probabilities
    std::vector<double> cost;  // each row's -log p[truth]
    Train() : p(size_t(rows) * N), cost(rows) {}
  };
  std::unique_ptr<Train> t;
  void train_begin() { t.reset(new Train()); }

  // Writes -dL/dx into dx (truth - p, divided by the temperature, within the
  // truth's group; 0 in the other groups, whose logits the cost does not
  // depend on: darknet's truth - p there is not the gradient of its cost).
  // Returns the summed cost. Rows are independent: the threads share them,
  // and the costs are summed in row order afterwards, so the total is the
  // same for any number of threads.
  double loss(const real* x, const Symbol* truth, real temperature, real* dx) {
    Train& L = *t;
    constexpr int G = kGroup;
    parallel_for(
        Train::rows,
        [&](int r0, int r1) {
          for (int r = r0; r < r1; ++r) {
            for (int g = 0; g < GROUPS; ++g)
              softmax_group(x + size_t(r) * N + g * G, G, temperature, &L.p[size_t(r) * N + g * G]);
            const real* p = &L.p[size_t(r) * N];
            real* d = dx + size_t(r) * N;
            const int g0 = truth[r] / G * G;
            for (int i = 0; i < N; ++i)
              d[i] = i >= g0 && i < g0 + G ? (real(i == truth[r]) - p[i]) / temperature : real(0);
            L.cost[r] = std::log(static_cast<double>(p[truth[r]]));
          }
        },
        64);
    double cost = 0;
    for (int r = 0; r < Train::rows; ++r) cost -= L.cost[r];
    return cost;
  }

 private:
  static void probabilities(const real* x, real temperature, real* out) {
    for (int g = 0; g < GROUPS; ++g) softmax_group(x + g * kGroup, kGroup, temperature, out + g * kGroup);
  }
};

}  // namespace rnnc::layers
