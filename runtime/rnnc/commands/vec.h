// vec WEIGHTS < lines: darknet's vec_char_rnn, a vector for each line of
// stdin: the line with every ' ', '\t' and '\n' removed (darknet's strip),
// then the first layer's outputs after the seed, that line and one ' '.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../model.h"
#include "../tokens.h"

namespace rnnc {

template <class Model>
int cmd_vec(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = read_seed_flags(f, "\n\n");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("vec");
  if (weights.empty()) fail("vec: which weights file? usage: vec WEIGHTS [-seed TEXT | -seed_file FILE] < lines");
  check_text_seed(seed, info.inputs, true);
  std::vector<unsigned char> text = read_stdin_text(info.inputs);
  if (text.empty()) fail("vec: stdin is empty: it reads one line of text per vector");
  auto m = load_for_inference<Model>(weights);
  print_model_line<Model>(info);
  std::string line;
  size_t at = 0;
  while (at < text.size()) {
    // darknet's fgetl: up to a '\n' (dropped) or the end of the input.
    line.clear();
    while (at < text.size() && text[at] != '\n') {
      unsigned char ch = text[at++];
      if (ch == 0) fail("stdin: byte %zu is 0 (NUL); vec reads lines of text", at - 1);
      if (ch != ' ' && ch != '\t') line += static_cast<char>(ch);
    }
    ++at;
    // darknet's reset_network_state does nothing on the CPU (it clears only
    // GPU buffers): each line continues from the state the last one left.
    for (unsigned char c : seed) m->step(c);
    for (unsigned char c : line) m->step(c);
    m->step(' ');
    std::fwrite(line.data(), 1, line.size(), stdout);
    const real* y = m->first_layer_output();
    for (int i = 0; i < Model::kFirstLayerOutputs; ++i) std::printf(",%g", static_cast<double>(y[i]));
    std::putchar('\n');
  }
  flush_stdout();
  return 0;
}

}  // namespace rnnc
