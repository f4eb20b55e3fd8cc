// valid WEIGHTS < text: darknet's bits per character, as it prints them.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../model.h"
#include "../tokens.h"

namespace rnnc {

template <class Model>
int cmd_valid(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = read_seed_flags(f, "\n\n");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("valid");
  if (weights.empty()) fail("valid: which weights file? usage: valid WEIGHTS [-seed TEXT | -seed_file FILE] < text");
  check_text_seed(seed, info.inputs, true);
  auto m = load_for_inference<Model>(weights);
  print_model_line<Model>(info);
  for (unsigned char c : seed) m->step(c);
  std::vector<unsigned char> text = read_stdin_text(info.inputs);
  // darknet's arithmetic: a float running sum of log2 probabilities.
  float sum = 0;
  float log2 = std::log(2.);
  int count = 0, words = 1;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    int c = text[i], next = text[i + 1];
    ++count;
    if (next == ' ' || next == '\n' || next == '\t') ++words;
    const real* out = m->step(c);
    sum += std::log(static_cast<double>(out[next])) / log2;
    std::printf("%d BPC: %4.4f   Perplexity: %4.4f    Word Perplexity: %4.4f\n", count, -sum / count,
                std::pow(2, -sum / count), std::pow(2, -sum / words));
  }
  flush_stdout();
  return 0;
}

}  // namespace rnnc
