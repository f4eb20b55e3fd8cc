// generatetactic and validtactic: darknet's "tactic" modes (examples/rnn.c's
// test_tactic_rnn and valid_tactic_rnn). generatetactic continues all of
// stdin until a '.' is followed by a newline; validtactic measures perplexity
// only inside regions that open at ">>" and close at ".\n".
#pragma once
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../model.h"
#include "../sampler.h"
#include "../tokens.h"

namespace rnnc {

template <class Model>
int cmd_generatetactic(Flags& f) {
  const ModelInfo& info = Model::info();
  long long len = read_len_flag(f);
  long long rseed = read_srand_flag(f, static_cast<long long>(std::time(nullptr)));
  float temp = read_temp_flag(f);
  std::string tokens = f.str("-tokens", "");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("generatetactic");
  if (weights.empty())
    fail("generatetactic: which weights file? usage: generatetactic WEIGHTS [-len N] [-srand N] [-temp T] [-tokens VOCAB] < text");
  std::vector<std::string> vocabulary;
  SymbolText text;
  if (!tokens.empty()) text.vocabulary = &(vocabulary = read_vocabulary(tokens, info.inputs));
  // darknet seeds, then builds (and so randomly initialises) the network.
  GlibcRandom rng(static_cast<unsigned>(rseed));
  rng.discard(info.init_rand_calls);
  std::vector<unsigned char> prompt = read_stdin_text(info.inputs);
  if (prompt.empty()) fail("generatetactic: stdin is empty: it needs the text to continue");
  auto m = load_for_inference<Model>(weights);
  m->set_temperature(temp);
  print_model_line<Model>(info);

  const real* out = nullptr;
  for (unsigned char ch : prompt) out = m->step(ch);
  // darknet's loop variable holds EOF after reading stdin: the stop rule
  // (a '.' followed by a newline) cannot fire on the first draw.
  int c = EOF;
  std::vector<float> p(info.inputs);
  for (long long i = 0; i < len; ++i) {
    for (int j = 0; j < info.inputs; ++j) p[j] = static_cast<float>(out[j]);
    int next = sample_char(p.data(), info.inputs, rng);
    if (c == '.' && next == '\n') break;
    c = next;
    text.print(c);
    out = m->step(c);
  }
  std::putchar('\n');
  flush_stdout();
  return 0;
}

template <class Model>
int cmd_validtactic(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = read_seed_flags(f, "\n\n");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("validtactic");
  if (weights.empty()) fail("validtactic: which weights file? usage: validtactic WEIGHTS [-seed TEXT | -seed_file FILE] < text");
  check_text_seed(seed, info.inputs, true);
  std::vector<unsigned char> text = read_stdin_text(info.inputs);
  if (text.empty()) fail("validtactic: stdin is empty: it measures the text on stdin");
  auto m = load_for_inference<Model>(weights);
  print_model_line<Model>(info);
  for (unsigned char c : seed) m->step(c);
  // darknet's arithmetic, as valid's: a float running sum of log2 probabilities.
  float sum = 0;
  float log2 = std::log(2.);
  int count = 0, words = 1;
  bool in = false;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    int c = text[i], next = text[i + 1];
    const real* out = m->step(c);
    if (c == '.' && next == '\n') in = false;
    if (!in) {
      if (c == '>' && next == '>') {
        in = true;
        ++words;
      }
      continue;
    }
    ++count;
    sum += std::log(static_cast<double>(out[next])) / log2;
    std::printf("%d %d Perplexity: %4.4f    Word Perplexity: %4.4f\n", count, words, std::pow(2, -sum / count),
                std::pow(2, -sum / words));
  }
  flush_stdout();
  return 0;
}

}  // namespace rnnc
