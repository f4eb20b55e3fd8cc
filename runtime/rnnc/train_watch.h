// Watching a training run as char-rnn does: a sample from the current
// weights every N batches (train -sample_every N, into <base>.samples.txt),
// and the bits per character of a held-out text every N batches (train
// -valid FILE, into the loss plot). Both run the inference path (prepare_
// inference + step) of a second Model that holds a copy of the weights: the
// training model, its generator and its streams are never touched, so a run
// trains to the same bytes with or without them.
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "files.h"
#include "model.h"
#include "random.h"
#include "sampler.h"

namespace rnnc {

struct WatchOptions {
  long long sample_every = 0;  // 0: no samples
  long long sample_len = 200;
  unsigned sample_seed = 0;
  float sample_temp = .7f;
  std::string valid_file;  // "": no held-out BPC
  long long valid_every = 0;
};

template <class Model>
class TrainingWatch {
 public:
  // The same seed as generate's default: "\n\n".
  static constexpr const char* kSampleSeed = "\n\n";

  // Checks the held-out text and the samples file before any training.
  // append: a resumed run adds to the samples file; a fresh one starts it over.
  void open(const WatchOptions& o, const std::string& base, bool append) {
    opt_ = o;
    const int inputs = Model::info().inputs;
    if (!o.valid_file.empty()) {
      valid_ = read_whole_file(o.valid_file, "held-out text (-valid)");
      if (valid_.size() < 2)
        fail("-valid %s: the held-out text has %zu characters; BPC needs at least 2", o.valid_file.c_str(),
             valid_.size());
      for (size_t i = 0; i < valid_.size(); ++i)
        if (valid_[i] >= inputs)
          fail("-valid %s: byte %d at offset %zu is outside the model's %d inputs", o.valid_file.c_str(), valid_[i], i,
               inputs);
    }
    if (o.sample_every > 0) {
      samples_path_ = base + ".samples.txt";
      FILE* f = std::fopen(samples_path_.c_str(), append ? "ab" : "wb");
      if (!f) fail("cannot write the samples file '%s': %s", samples_path_.c_str(), std::strerror(errno));
      std::fclose(f);
    }
  }

  bool samples_at(long long batch) const { return opt_.sample_every > 0 && batch % opt_.sample_every == 0; }
  bool valid_at(long long batch) const { return !valid_.empty() && batch % opt_.valid_every == 0; }
  const std::string& samples_path() const { return samples_path_; }

  // A sample from the training model's current weights, appended to the
  // samples file under its batch number. It is what `generate WEIGHTS -srand
  // S -temp T -len L` prints for those weights (the seed "\n\n" left out):
  // the generator is seeded afresh for every sample, so samples differ only
  // by the weights, from batch to batch and from run to run.
  void sample(Model& training, long long batch) {
    Model& m = copy_weights(training, sampler_);
    m.set_temperature(opt_.sample_temp);
    const ModelInfo& info = Model::info();
    GlibcRandom rng(opt_.sample_seed);
    rng.discard(info.init_rand_calls);  // as generate does, after darknet's init
    std::string seed = kSampleSeed;
    for (size_t i = 0; i + 1 < seed.size(); ++i) m.step(static_cast<unsigned char>(seed[i]));
    int c = static_cast<unsigned char>(seed.back());
    std::string text;
    text.reserve(size_t(opt_.sample_len));
    std::vector<float> p(info.inputs);
    for (long long i = 0; i < opt_.sample_len; ++i) {
      const real* probs = m.step(c);
      for (int j = 0; j < info.inputs; ++j) p[j] = static_cast<float>(probs[j]);
      c = sample_char(p.data(), info.inputs, rng);
      text += static_cast<char>(c);
    }
    FILE* f = std::fopen(samples_path_.c_str(), "ab");
    bool ok = f && std::fprintf(f, "== batch %lld ==\n%s\n\n", batch, text.c_str()) >= 0;
    if (f) ok = !std::ferror(f) && std::fclose(f) == 0 && ok;
    // A lost sample is not worth a training run: say so and go on.
    if (!ok) std::fprintf(stderr, "warning: cannot write the sample of batch %lld to '%s': %s\n", batch,
                          samples_path_.c_str(), std::strerror(errno));
  }

  // Bits per character of the held-out text, as `valid WEIGHTS < FILE`
  // computes it (seed "\n\n", darknet's float running sum; its last line).
  float valid_bpc(Model& training) {
    Model& m = copy_weights(training, validator_);  // at the cfg's temperature, as valid
    for (unsigned char c : std::string(kSampleSeed)) m.step(c);
    float sum = 0;
    float log2 = std::log(2.);
    int count = 0;
    for (size_t i = 0; i + 1 < valid_.size(); ++i) {
      ++count;
      const real* out = m.step(valid_[i]);
      sum += std::log(static_cast<double>(out[valid_[i + 1]])) / log2;
    }
    return -sum / count;
  }

  size_t valid_size() const { return valid_.size(); }

 private:
  // An inference model, its weights a copy of the training model's, folded
  // and laid out by prepare_inference (which also zeroes its state).
  static Model& copy_weights(Model& training, std::unique_ptr<Model>& infer) {
    if (!infer) infer = std::make_unique<Model>();
    std::vector<DenseParams*> from = training.in_file_order(), to = infer->in_file_order();
    for (size_t i = 0; i < from.size(); ++i) {
      to[i]->biases = from[i]->biases;
      to[i]->weights = from[i]->weights;
      to[i]->scales = from[i]->scales;
      to[i]->rolling_mean = from[i]->rolling_mean;
      to[i]->rolling_variance = from[i]->rolling_variance;
    }
    infer->prepare_inference();
    return *infer;
  }

  WatchOptions opt_;
  std::vector<unsigned char> valid_;
  std::string samples_path_;
  // Two, so that the samples' -sample_temp never reaches the held-out BPC
  // (the interface can set a temperature, not read the cfg's back).
  std::unique_ptr<Model> sampler_, validator_;
};

}  // namespace rnnc
