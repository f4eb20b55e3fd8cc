// generate WEIGHTS: darknet's sampling, one character at a time after the
// seed, or -n samples at once; byte for byte darknet's output for the same
// weights and -srand.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <type_traits>
#include <vector>

#include "../command_flags.h"
#include "../model.h"
#include "../sample_output.h"
#include "../sampler.h"
#include "../threads.h"
#include "../tokens.h"
#include "../utf8.h"

namespace rnnc {

// Symbol c of sample s, as darknet's print_symbol writes it.
inline void put_symbol(SampleOutput& out, int s, Symbol c, const SymbolText& text) {
  if (!text.vocabulary) return out.put(s, static_cast<unsigned char>(c));
  std::string t;
  text.append(t, c);
  out.put_text(s, t);
}

// generate -n N: N samples of one seed at once, sharing every weight read.
// Sample 0 draws from darknet's generator stream, sample k from srand + k.
template <class Model>
int generate_samples(Model& m, const std::string& seed, long long len, int n, unsigned rseed, GlibcRandom& rng0,
                     SampleOutput& out, const SymbolText& text, bool utf8) {
  const int inputs = Model::info().inputs;
  std::vector<GlibcRandom> rngs = sample_generators(rng0, rseed, n);
  m.reset_batch(n);
  std::vector<Symbol> c(n);
  for (size_t i = 0; i + 1 < seed.size(); ++i) {
    std::fill(c.begin(), c.end(), static_cast<unsigned char>(seed[i]));
    m.step_batch(c.data());
  }
  for (unsigned char ch : seed) {
    for (int s = 0; s < n; ++s) put_symbol(out, s, ch, text);
    out.end_step();
  }
  std::fill(c.begin(), c.end(), static_cast<unsigned char>(seed.back()));
  // -utf8: each sample its own place in its UTF-8 sequence, all starting after the seed.
  Utf8State seed_state;
  for (unsigned char ch : seed) seed_state.push(ch);
  std::vector<Utf8State> u(utf8 ? n : 0, seed_state);
  for (long long i = 0; i < len; ++i) {
    const real* probs = m.step_batch(c.data());
    // Each sample draws from its own generator: the threads may share them out.
    parallel_for(
        n,
        [&](int s0, int s1) {
          thread_local std::vector<float> p;
          p.resize(inputs);
          for (int s = s0; s < s1; ++s) {
            for (int j = 0; j < inputs; ++j) p[j] = static_cast<float>(probs[size_t(s) * inputs + j]);
            if (utf8) {
              c[s] = sample_char_utf8(p.data(), inputs, rngs[s], u[s], len - i);
              u[s].push(static_cast<unsigned>(c[s]));
            } else {
              c[s] = sample_char(p.data(), inputs, rngs[s]);
            }
          }
        },
        8);
    for (int s = 0; s < n; ++s) put_symbol(out, s, c[s], text);
    out.end_step();
  }
  out.finish();
  return 0;
}

// A model that draws whole runs on its device (a CUDA build's persistent
// kernel, cuda/persistent.cuh) has kGeneratesOnDevice, plan_generation(n,
// utf8) (true where that kernel takes this run; it says which path in the
// model line) and generate_on_device(feed, first, draws, chars).
template <class M, class = void>
struct generates_on_device : std::false_type {};
template <class M>
struct generates_on_device<M, std::void_t<decltype(M::kGeneratesOnDevice)>> : std::true_type {};

// generate on the device: the same output as generate_samples (n = 1: as the
// one-character loop), the characters drawn by the device from draws the
// host makes ahead with the same generators, in chunks of at most
// kDeviceChunk characters over all samples per launch.
template <class Model>
int generate_drawn(Model& m, const std::string& seed, long long len, int n, unsigned rseed, GlibcRandom& rng0,
                   SampleOutput& out, const SymbolText& text) {
  constexpr long long kDeviceChunk = 1 << 16;
  std::vector<GlibcRandom> rngs = sample_generators(rng0, rseed, n);
  std::vector<int> feed;
  for (size_t i = 0; i + 1 < seed.size(); ++i) feed.push_back(static_cast<unsigned char>(seed[i]));
  for (unsigned char ch : seed) {
    for (int s = 0; s < n; ++s) put_symbol(out, s, ch, text);
    out.end_step();
  }
  const long long chunk = std::max<long long>(16, kDeviceChunk / n);
  std::vector<float> draws;
  std::vector<int> chars;
  for (long long done = 0; done < len;) {
    const long long k = std::min(chunk, len - done);
    draw_ahead(rngs, k, draws);
    // The first launch feeds the seed and starts from its last character; the others go on from the last drawn.
    m.generate_on_device(done == 0 ? feed : std::vector<int>{},
                         done == 0 ? static_cast<int>(static_cast<unsigned char>(seed.back())) : -1, draws, chars);
    for (long long i = 0; i < k; ++i) {
      for (int s = 0; s < n; ++s) put_symbol(out, s, static_cast<Symbol>(chars[size_t(s) * k + i]), text);
      out.end_step();
    }
    done += k;
  }
  out.finish();
  return 0;
}

// -utf8: the seed must be valid UTF-8 (it may end inside a character, which
// the first bytes drawn then complete, if -len leaves room for them).
inline void check_utf8_seed(const std::string& seed, long long len) {
  const auto* s = reinterpret_cast<const unsigned char*>(seed.data());
  long long bad = utf8_invalid_at(s, seed.size());
  if (bad >= 0) fail("-utf8: -seed is not valid UTF-8 (byte 0x%02X at offset %lld)", s[bad], bad);
  Utf8State u;
  for (unsigned char ch : seed) u.push(ch);
  if (u.need > len)
    fail("-utf8: -seed ends inside a character that needs %d more bytes, but -len is %lld", u.need, len);
}

template <class Model>
int cmd_generate(Flags& f) {
  const ModelInfo& info = Model::info();
  long long len = read_len_flag(f);
  std::string seed = read_seed_flags(f, "\n\n");
  long long rseed = read_srand_flag(f, static_cast<long long>(std::time(nullptr)));
  float temp = read_temp_flag(f);
  std::string tokens = f.str("-tokens", "");
  read_precision_flag(f);
  long long samples = f.integer("-n", 1, 1, 4096);
  std::string out_dir = f.str("-o", "");
  bool utf8 = f.has("-utf8");
  std::string weights = f.positional();
  f.finish("generate");
  if constexpr (!Model::kHasBatchStep)
    if (samples > 1) fail("-n %lld: this model's layers have no batch kernels; use -n 1", samples);
  if (weights.empty())
    fail("generate: which weights file? usage: generate WEIGHTS [-len N] [-seed TEXT | -seed_file FILE] [-srand N] [-temp T] [-tokens VOCAB] [-n N] [-o DIR] [-utf8]");
  check_text_seed(seed, info.inputs, false);
  if (utf8 && !tokens.empty()) fail("generate: -utf8 is for a model of bytes, and -tokens prints a word-level model's words");
  std::vector<std::string> vocabulary;
  SymbolText text;
  if (!tokens.empty()) text.vocabulary = &(vocabulary = read_vocabulary(tokens, info.inputs));
  if (utf8) check_utf8_seed(seed, len);
  SampleOutput out(static_cast<int>(samples), out_dir);  // an unwritable -o DIR fails before any work

  // darknet seeds first, then builds (and so randomly initialises) the network.
  GlibcRandom rng(static_cast<unsigned>(rseed));
  rng.discard(info.init_rand_calls);
  auto m = load_for_inference<Model>(weights);
  m->set_temperature(temp);
  if constexpr (generates_on_device<Model>::value) {
    if (m->plan_generation(static_cast<int>(samples), utf8)) {
      print_model_line<Model>(info);
      return generate_drawn(*m, seed, len, static_cast<int>(samples), static_cast<unsigned>(rseed), rng, out, text);
    }
  }
  print_model_line<Model>(info);

  if (samples > 1)
    return generate_samples(*m, seed, len, static_cast<int>(samples), static_cast<unsigned>(rseed), rng, out, text,
                            utf8);

  std::vector<float> p(info.inputs);
  int c = 0;
  for (size_t i = 0; i + 1 < seed.size(); ++i) {
    c = static_cast<unsigned char>(seed[i]);
    m->step(c);
    put_symbol(out, 0, c, text);
    out.end_step();
  }
  c = static_cast<unsigned char>(seed.back());
  put_symbol(out, 0, c, text);
  out.end_step();
  Utf8State u;
  for (unsigned char ch : seed) u.push(ch);
  for (long long i = 0; i < len; ++i) {
    const real* probs = m->step(c);
    for (int j = 0; j < info.inputs; ++j) p[j] = static_cast<float>(probs[j]);
    if (utf8) {
      c = sample_char_utf8(p.data(), info.inputs, rng, u, len - i);
      u.push(static_cast<unsigned>(c));
    } else {
      c = sample_char(p.data(), info.inputs, rng);
    }
    put_symbol(out, 0, c, text);
    out.end_step();
  }
  out.finish();
  return 0;
}

}  // namespace rnnc
