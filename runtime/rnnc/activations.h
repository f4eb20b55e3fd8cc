// darknet's activations (src/activations.h), forward and gradient. Gradients
// take the activation's OUTPUT, as darknet's do. The arithmetic follows
// darknet's precision (double where darknet's literals make it double) so
// that fp32 inference stays darknet-exact. tanh is the exception: darknet's
// (e^2x-1)/(e^2x+1) turns NaN past |x| ~ 44; ours stays finite.
#pragma once
#include <cmath>

#include "vocabulary.h"  // Act

namespace rnnc {

// C's exp(): double, as darknet calls it (std::exp on a float would round to float).
inline double dexp(double x) { return std::exp(x); }

// darknet's softmax of G logits with a temperature: the largest logit taken
// off first, exp in double. Inference (layers/softmax.h) and
// training (softmax_loss) both call it, group by group.
template <class T>
inline void softmax_group(const T* in, int G, T temperature, T* out) {
  T largest = -3.402823466e+38f;
  for (int i = 0; i < G; ++i)
    if (in[i] > largest) largest = in[i];
  T sum = 0;
  for (int i = 0; i < G; ++i) {
    T e = static_cast<T>(dexp(in[i] / temperature - largest / temperature));
    sum += e;
    out[i] = e;
  }
  for (int i = 0; i < G; ++i) out[i] /= sum;
}

template <Act A, class T>
inline T activate(T x) {
  if constexpr (A == Act::Linear) return x;
  if constexpr (A == Act::Logistic) return 1. / (1. + dexp(-x));
  if constexpr (A == Act::Loggy) return 2. / (1. + dexp(-x)) - 1;
  if constexpr (A == Act::Relu) return x * (x > 0);
  if constexpr (A == Act::Elu) return (x >= 0) * x + (x < 0) * (dexp(x) - 1);
  if constexpr (A == Act::Selu) return (x >= 0) * 1.0507 * x + (x < 0) * 1.0507 * 1.6732 * (dexp(x) - 1);
  if constexpr (A == Act::Relie) { T s = .01 * x; return (x > 0) ? x : s; }  // unconditional: a blend, vectorised
  if constexpr (A == Act::Ramp) return x * (x > 0) + .1 * x;
  if constexpr (A == Act::Leaky) { T s = .1 * x; return (x > 0) ? x : s; }
  if constexpr (A == Act::Tanh) {
    if (std::fabs(x) < 20) return (dexp(2 * x) - 1) / (dexp(2 * x) + 1);
    return x > 0 ? T(1) : T(-1);
  }
  if constexpr (A == Act::Plse) {
    if (x < -4) return .01 * (x + 4);
    if (x > 4) return .01 * (x - 4) + 1;
    return .125 * x + .5;
  }
  if constexpr (A == Act::Stair) {
    int n = static_cast<int>(std::floor(x));
    if (n % 2 == 0) return std::floor(x / 2.);
    return (x - n) + std::floor(x / 2.);
  }
  if constexpr (A == Act::Hardtan) {
    if (x < -1) return -1;
    if (x > 1) return 1;
    return x;
  }
  if constexpr (A == Act::Lhtan) {
    if (x < 0) return .001 * x;
    if (x > 1) return .001 * (x - 1) + 1;
    return x;
  }
}

// d act / d x, written in terms of the output y = act(x).
template <Act A, class T>
inline T gradient(T y) {
  if constexpr (A == Act::Linear) return 1;
  if constexpr (A == Act::Logistic) return (1 - y) * y;
  if constexpr (A == Act::Loggy) { T t = (y + 1.) / 2.; return 2 * (1 - t) * t; }
  if constexpr (A == Act::Relu) return y > 0;
  if constexpr (A == Act::Elu) return (y >= 0) + (y < 0) * (y + 1);
  if constexpr (A == Act::Selu) return (y >= 0) * 1.0507 + (y < 0) * (y + 1.0507 * 1.6732);
  if constexpr (A == Act::Relie) return y > 0 ? 1 : .01;
  if constexpr (A == Act::Ramp) return (y > 0) + .1;
  if constexpr (A == Act::Leaky) return y > 0 ? 1 : .1;
  if constexpr (A == Act::Tanh) return 1 - y * y;
  if constexpr (A == Act::Plse) return (y < 0 || y > 1) ? .01 : .125;
  if constexpr (A == Act::Stair) return std::floor(y) == y ? 0 : 1;
  if constexpr (A == Act::Hardtan) return (y > -1 && y < 1) ? 1 : 0;
  if constexpr (A == Act::Lhtan) return (y > 0 && y < 1) ? 1 : .001;
}

template <Act A, class T>
inline void activate_array(T* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = activate<A>(x[i]);
}

}  // namespace rnnc
