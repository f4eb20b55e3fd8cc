// A generated program's main: its usage and the commands (runtime/rnnc/
// commands/, one file each, with darknet's flags and defaults). The
// model-specific parts come from the generated Model class, whose interface
// rnnc/model.h writes down and checks at compile time.
#pragma once
#include <cstdio>
#include <cstring>
#include <string>

#include "commands/generate.h"
#include "commands/gradcheck.h"
#include "commands/init.h"
#include "commands/probs.h"
#include "commands/tactic.h"
#include "commands/tokenize.h"
#include "commands/train.h"
#include "commands/valid.h"
#include "commands/vec.h"
#include "commands/visualise.h"
#include "error.h"
#include "flags.h"
#include "model.h"

namespace rnnc {

inline void print_usage(const ModelInfo& m, const char* argv0) {
  std::printf(
      "%s: a char-RNN compiled by rnnc from %s\n  %s\n\n"
      "usage:\n"
      "  %s generate WEIGHTS [-len N] [-seed TEXT | -seed_file FILE] [-srand N] [-temp T] [-tokens VOCAB]\n"
      "           [-precision fp32|bf16|int8] [-n N] [-o DIR] [-utf8]\n"
      "      print N characters (default 1000) sampled after TEXT (default \"\\n\\n\"; -seed_file: a file's bytes);\n"
      "      -tokens VOCAB (a word-level model): print each symbol, the seed's bytes included, as its line of VOCAB\n"
      "      and a space (the line <NEWLINE> is a newline);\n"
      "      -srand seeds the generator (default: the time), -temp is the softmax temperature (default .7);\n"
      "      -n N prints N samples computed together (sample 0 on darknet's generator stream), one after\n"
      "      another, each ending in a newline (sample 0 streams out as it is made, the rest follow it);\n"
      "      -o DIR writes sample K to DIR/sample_K.txt instead, every sample as it is made;\n"
      "      -utf8 draws only bytes that keep each sample valid UTF-8 (renormalised over them; -len N bytes,\n"
      "      ending on a whole character; -seed must be valid UTF-8); off by default, as darknet\n"
      "  %s valid WEIGHTS [-seed TEXT | -seed_file FILE] < text\n"
      "      bits per character of the text on stdin, as darknet prints them\n"
      "  %s vec WEIGHTS [-seed TEXT | -seed_file FILE] < lines\n"
      "      per line: the line without its whitespace, then the first layer's outputs after it, as ,%%g values\n"
      "  %s generatetactic WEIGHTS [-len N] [-srand N] [-temp T] [-tokens VOCAB] < text\n"
      "      continue the text on stdin until a '.' is followed by a newline (at most N symbols, default 1000)\n"
      "  %s validtactic WEIGHTS [-seed TEXT | -seed_file FILE] < text\n"
      "      perplexity of the text inside '>>' ... '.\\n' regions, as darknet prints it\n"
      "  %s train [WEIGHTS] -file DATA [-tokenized] [-clear] [-backup DIR] [-backup_every N] [-srand N] [-max_batches N]\n"
      "        [-precision fp32|bf16] [-sample_every N [-sample_len L] [-sample_seed S] [-sample_temp T]]\n"
      "        [-valid FILE [-valid_every N]]\n"
      "      train on DATA; backups go to DIR (default backup/), every N batches (default 100), with the loss\n"
      "      plot DIR/BASE.loss.tsv and .svg; -tokenized: DATA is whitespace-separated token ids below the\n"
      "      model's inputs (a word-level model); -sample_every N appends to DIR/BASE.samples.txt, every N\n"
      "      batches, \"== batch B ==\" and what generate prints for the weights of batch B with -srand S\n"
      "      (default 0), -temp T (default .7) and -len L (default 200), after the seed \"\\n\\n\" (not repeated);\n"
      "      -valid FILE measures FILE's bits per character (as valid does) every N batches (default:\n"
      "      -backup_every's) and adds it to the loss plot; neither changes the training;\n"
      "      -precision bf16: the products take bf16 operands, fp32 sums (fp32 weights, updates, files)\n"
      "  %s tokenize -file TEXT [-vocab N] -o PREFIX\n"
      "      write PREFIX.tokens (<UNK>, then the N-1 most frequent whitespace-separated words, <NEWLINE> for\n"
      "      a newline; N defaults to the model's inputs) and PREFIX.ids (TEXT as token ids) for -tokenized and -tokens\n"
      "  %s init OUT [-srand N] [-scramble]\n"
      "      write freshly initialised weights (-scramble also randomises biases and batch-norm statistics)\n"
      "  %s probs WEIGHTS [-seed TEXT] < text\n"
      "      print the model's output probabilities after each character of stdin (for tests)\n"
      "  %s visualise WEIGHTS [-file TEXT] [-o DIR] [-unit LAYER:INDEX] [-chars N] [-top N]   (or visualize)\n"
      "      HTML pages of the hidden units over TEXT (default: stdin): DIR/index.html (DIR default %s_visualise)\n"
      "      ranks every unit of every recurrent layer by its correlation with text features (quotes, brackets,\n"
      "      line position, newline, words) and links a page for each of the top N (default 20) and the -unit one\n"
      "      (e.g. rnn1:42; an [lstm]'s lstm0.cell:I or lstm0.h:I, lstm0:I is the cell): each character coloured\n"
      "      by the unit, the five likeliest next characters under it; the first N characters (-chars, default 5000)\n"
      "  %s gradcheck [WEIGHTS] -file DATA [-srand N] [-samples N] [-h STEP[,STEP...]] [-floor A]\n"
      "      finite differences against the analytic gradient on one batch (build with -DRNNC_REAL=double);\n"
      "      N parameters per tensor (default 20); with several steps, a parameter's error is the smallest\n"
      "      over them (a step may carry a pre-activation across a kink of a piecewise-linear activation);\n"
      "      errors are relative to the larger gradient, or to A where both are below it\n",
      m.name, m.cfg, m.summary, argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0, m.name,
      argv0);
  std::printf("%s", run_device().usage.c_str());  // a CUDA build's device flags
}

template <class Model>
int run_program(int argc, char** argv) {
  static_assert(check_model_interface<Model>());
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  const ModelInfo& info = Model::info();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    print_usage(info, argv[0]);
    return argc < 2 ? 1 : 0;
  }
  std::string cmd = argv[1];
  Flags f(argc, argv, 2);
  if (cmd == "generate") return cmd_generate<Model>(f);
  if (cmd == "valid") return cmd_valid<Model>(f);
  if (cmd == "vec") return cmd_vec<Model>(f);
  if (cmd == "generatetactic") return cmd_generatetactic<Model>(f);
  if (cmd == "validtactic") return cmd_validtactic<Model>(f);
  if (cmd == "tokenize") return cmd_tokenize<Model>(f);
  if (cmd == "probs") return cmd_probs<Model>(f);
  if (cmd == "init") return cmd_init<Model>(f);
  if (cmd == "train") return cmd_train<Model>(f);
  if (cmd == "gradcheck") return cmd_gradcheck<Model>(f);
  if (cmd == "visualise" || cmd == "visualize") return cmd_visualise<Model>(f, cmd == "visualise" ? "visualise" : "visualize");
  fail("unknown command '%s'; try: generate, valid, vec, generatetactic, validtactic, train, tokenize, init, probs, "
       "visualise (or --help)",
       cmd.c_str());
}

}  // namespace rnnc
