// darknet's parameter updates (update_connected_layer) and learning-rate
// policies (get_current_rate). *_updates hold the negative gradient summed
// over the batch; SGD turns them into momentum, Adam into first moments.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "../params.h"
#include "../random.h"
#include "../threads.h"
#include "../vocabulary.h"

namespace rnnc::train {

// The policies and [net] options are rnnc/vocabulary.h's (shared with rnnc);
// the old spellings rnnc::train::Policy and rnnc::train::NetConfig still name them.
using rnnc::NetConfig;
using rnnc::Policy;

// The rate for batch number `batch_num` (darknet's get_current_batch).
inline float current_rate(const NetConfig& n, long long batch_num, GlibcRandom& rng) {
  if (batch_num < n.burn_in) return n.learning_rate * std::pow(static_cast<float>(batch_num) / n.burn_in, n.power);
  switch (n.policy) {
    case Policy::Constant: return n.learning_rate;
    case Policy::Step: return n.learning_rate * std::pow(n.scale, static_cast<double>(batch_num / n.step));
    case Policy::Steps: {
      float rate = n.learning_rate;
      for (size_t i = 0; i < n.steps.size(); ++i) {
        if (n.steps[i] > batch_num) return rate;
        rate *= n.scales[i];
      }
      return rate;
    }
    case Policy::Exp: return n.learning_rate * std::pow(n.gamma, static_cast<double>(batch_num));
    case Policy::Poly:
      return n.learning_rate * std::pow(1 - static_cast<float>(batch_num) / n.max_batches, n.power);
    case Policy::Random: return n.learning_rate * std::pow(rng.uniform(0, 1), n.power);
    case Policy::Sig: return n.learning_rate * (1. / (1. + std::exp(n.gamma * (batch_num - n.step))));
  }
  return n.learning_rate;
}

struct UpdateArgs {
  float learning_rate, momentum, decay;
  int batch;  // effective batch times subdivisions
  bool adam;
  float B1, B2, eps;
  int t;  // Adam's step count, from 1
};

// Allocates the update (and Adam) buffers, zeroed.
inline void allocate_updates(DenseParams& p, bool adam) {
  p.bias_updates.assign(p.out, 0);
  p.weight_updates.assign(p.weights.size(), 0);
  if (p.batch_norm) p.scale_updates.assign(p.out, 0);
  if (adam) {
    for (auto* v : {&p.bias_m, &p.bias_v}) v->assign(p.out, 0);
    for (auto* v : {&p.weight_m, &p.weight_v}) v->assign(p.weights.size(), 0);
    if (p.batch_norm)
      for (auto* v : {&p.scale_m, &p.scale_v}) v->assign(p.out, 0);
  }
}

// An update's elements are independent: the threads take blocks of them
// (parallel_elements), from 4 blocks on.
constexpr size_t kUpdateBlock = size_t(1) << 14;
template <class F>
inline void for_elements(size_t n, F&& f) {
  parallel_elements(n, kUpdateBlock, 4 * kUpdateBlock, f);
}

// darknet's SGD: x += lr/batch * u; u *= momentum; weights also decay.
inline void sgd_update(DenseParams& p, const UpdateArgs& a) {
  real rate = static_cast<real>(a.learning_rate / a.batch);
  real decay = static_cast<real>(-a.decay * a.batch);
  real mom = static_cast<real>(a.momentum);
  for (int j = 0; j < p.out; ++j) {
    p.biases[j] += rate * p.bias_updates[j];
    p.bias_updates[j] *= mom;
  }
  if (p.batch_norm)
    for (int j = 0; j < p.out; ++j) {
      p.scales[j] += rate * p.scale_updates[j];
      p.scale_updates[j] *= mom;
    }
  real* w = p.weights.data();
  real* u = p.weight_updates.data();
  for_elements(p.weights.size(), [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      u[i] += decay * w[i];
      w[i] += rate * u[i];
      u[i] *= mom;
    }
  });
}

// Adam as darknet's GPU path does it (its CPU path ignores adam=1): decay
// joins the gradient, moments are updated, the bias-corrected step taken,
// and the updates cleared.
inline void adam_tensor(std::vector<real>& x, std::vector<real>& d, std::vector<real>& m, std::vector<real>& v,
                        const UpdateArgs& a) {
  const double b1t = 1 - std::pow(double(a.B1), a.t), b2t = 1 - std::pow(double(a.B2), a.t);
  const real decay = static_cast<real>(-a.decay * a.batch);
  for_elements(x.size(), [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      real g = d[i] + decay * x[i];
      m[i] = a.B1 * m[i] + (1 - a.B1) * g;
      v[i] = a.B2 * v[i] + (1 - a.B2) * g * g;
      double mhat = m[i] / b1t, vhat = v[i] / b2t;
      x[i] += static_cast<real>(a.learning_rate * mhat / (std::sqrt(vhat) + a.eps));
      d[i] = 0;
    }
  });
}

inline void adam_update(DenseParams& p, const UpdateArgs& a) {
  adam_tensor(p.weights, p.weight_updates, p.weight_m, p.weight_v, a);
  adam_tensor(p.biases, p.bias_updates, p.bias_m, p.bias_v, a);
  if (p.batch_norm) adam_tensor(p.scales, p.scale_updates, p.scale_m, p.scale_v, a);
}

}  // namespace rnnc::train
