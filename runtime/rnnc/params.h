// Parameters of one darknet connected (dense) sub-layer, and their training
// companions. Every layer kind is built from these: an [rnn] has three, an
// [lstm] eight, a [gru] six, a [connected] one.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#ifndef RNNC_REAL
#define RNNC_REAL float
#endif

namespace rnnc {

// The scalar every parameter and activation is held in: float, as darknet;
// double only in builds made for finite-difference gradient checks.
using real = RNNC_REAL;

// One symbol the model reads or predicts: a byte for a char-level model, a
// token id below [net] inputs for a word-level one (darknet's -tokenized).
using Symbol = int;

struct DenseParams {
  std::string name;  // e.g. "rnn0.input", as the cfg names it
  int in = 0, out = 0;
  bool batch_norm = false;
  std::vector<real> biases, weights, scales, rolling_mean, rolling_variance;
  // Gradients, as darknet keeps them: the NEGATIVE gradient summed over the
  // batch, later turned into momentum. Allocated only for training.
  std::vector<real> bias_updates, weight_updates, scale_updates;
  // Adam's first and second moments.
  std::vector<real> bias_m, weight_m, scale_m, bias_v, weight_v, scale_v;

  DenseParams(std::string n, int in_, int out_, bool bn)
      : name(std::move(n)), in(in_), out(out_), batch_norm(bn),
        biases(out_), weights(static_cast<size_t>(in_) * out_) {
    if (bn) {
      scales.assign(out_, real(1));
      rolling_mean.assign(out_, real(0));
      rolling_variance.assign(out_, real(0));
    }
  }

  // Floats this sub-layer takes in a darknet weights file.
  size_t file_floats() const { return out + weights.size() + (batch_norm ? 3 * out : 0); }
};

// Folds inference batch norm into weights and bias, with darknet's epsilon
// placement: y = (x - mean) / (sqrt(var) + .000001) * scale + bias.
// W: any vector of real (the inference weights live in huge pages).
template <class W>
inline void fold_batchnorm(const DenseParams& p, W& w, std::vector<real>& b) {
  w.assign(p.weights.begin(), p.weights.end());
  b = p.biases;
  if (!p.batch_norm) return;
  for (int j = 0; j < p.out; ++j) {
    double k = p.scales[j] / (std::sqrt(static_cast<double>(p.rolling_variance[j])) + .000001f);
    for (int i = 0; i < p.in; ++i) w[static_cast<size_t>(j) * p.in + i] = static_cast<real>(p.weights[static_cast<size_t>(j) * p.in + i] * k);
    b[j] = static_cast<real>(p.biases[j] - p.rolling_mean[j] * k);
  }
}

}  // namespace rnnc
