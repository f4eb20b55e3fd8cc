// gradcheck [WEIGHTS] -file DATA: finite differences against the analytic
// gradient on one training batch (build with -DRNNC_REAL=double).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "train.h"

namespace rnnc {

template <class Model>
int cmd_gradcheck(Flags& f) {
  std::string file = f.str("-file", "");
  long long rseed = read_srand_flag(f, 1);
  long long samples = f.integer("-samples", 20, 1, INT32_MAX);
  std::string hs = f.str("-h", sizeof(real) == 8 ? "1e-5" : "1e-2");
  double abs_floor = f.real("-floor", 0);
  bool tokenized = f.has("-tokenized");
  std::string weights = f.positional();
  f.finish("gradcheck");
  if (file.empty()) fail("gradcheck: -file DATA is required");
  if (!(abs_floor >= 0)) fail("-floor must be 0 or more, got %g", abs_floor);
  std::vector<double> steps;
  for (size_t at = 0; at <= hs.size();) {
    size_t comma = std::min(hs.find(',', at), hs.size());
    std::string one = hs.substr(at, comma - at);
    char* end = nullptr;
    double h = std::strtod(one.c_str(), &end);
    if (one.empty() || *end || !(h > 0) || !std::isfinite(h))
      fail("flag -h expects steps above 0 separated by commas, got '%s'", hs.c_str());
    steps.push_back(h);
    at = comma + 1;
  }
  TrainingRun<Model> run;
  run.start(weights, file, static_cast<unsigned>(rseed), false, tokenized);
  run.next_batch();
  Model& m = *run.model;
  m.train_forward(run.x.data(), run.y.data());
  m.train_backward(run.x.data());
  // Every later forward differentiates the same network: a [dropout] keeps the masks this forward drew.
  run.noise.frozen = true;
  double worst = 0;
  long long checked = 0;
  auto check = [&](DenseParams& p, const char* what, std::vector<real>& values, std::vector<real>& grads) {
    if (values.empty()) return;
    double tensor_worst = 0;
    size_t n = values.size();
    size_t count = std::min<size_t>(n, static_cast<size_t>(samples));
    for (size_t s = 0; s < count; ++s) {
      size_t idx = count == n ? s : (run.rng.next_size() % n);
      real keep = values[idx];
      double an = -double(grads[idx]);  // updates hold the negative gradient
      double rel = INFINITY;
      for (double h : steps) {
        values[idx] = keep + real(h);
        double lp = m.train_forward(run.x.data(), run.y.data());
        values[idx] = keep - real(h);
        double lm = m.train_forward(run.x.data(), run.y.data());
        values[idx] = keep;
        double fd = (lp - lm) / (2 * h);
        double scale = std::max(std::fabs(fd), std::fabs(an));
        if (abs_floor > 0) rel = std::min(rel, std::fabs(fd - an) / std::max(scale, abs_floor));
        else rel = std::min(rel, scale < 1e-7 ? 0 : std::fabs(fd - an) / scale);
      }
      tensor_worst = std::max(tensor_worst, rel);
      ++checked;
    }
    std::printf("%-24s %-8s %zu of %zu checked, max relative error %.3g\n", p.name.c_str(), what, count, n, tensor_worst);
    worst = std::max(worst, tensor_worst);
  };
  for (DenseParams* p : m.in_file_order()) {
    check(*p, "weights", p->weights, p->weight_updates);
    check(*p, "biases", p->biases, p->bias_updates);
    if (p->batch_norm) check(*p, "scales", p->scales, p->scale_updates);
  }
  std::printf("gradcheck: %lld parameters checked, max relative error %.3g\n", checked, worst);
  return 0;
}

}  // namespace rnnc
