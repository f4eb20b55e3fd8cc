// The commands every generated program has: generate, valid, train, and a few
// helpers, with darknet's flags and defaults. The model-specific parts (the
// layers, their kernels) come from the generated Model class, whose interface
// check_model_interface below writes down and checks at compile time.
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "error.h"
#include "files.h"
#include "flags.h"
#include "threads.h"
#include "precision.h"
#include "vocabulary.h"
#include "random.h"
#include "sample_output.h"
#include "sampler.h"
#include "weights_io.h"

namespace rnnc {

struct ModelInfo;
namespace train {
struct Noise;  // rnnc/train/noise.h: the training generator, for the layers that draw
}

// The generated Model's interface (templates/program.cpp.tmpl), every member
// the commands call: a template or emitter that drifts from it fails to
// compile here, saying which member.
template <class M>
constexpr bool check_model_interface() {
  using std::is_same_v;
  using Params = std::vector<DenseParams*>;
  static_assert(is_same_v<decltype(&M::info), const ModelInfo& (*)()>, "Model: static const ModelInfo& info()");
  static_assert(is_same_v<decltype(&M::net_config), const NetConfig& (*)()>,
                "Model: static const NetConfig& net_config()");
  static_assert(is_same_v<decltype(&M::in_file_order), Params (M::*)()>, "Model: in_file_order(), darknet's file order");
  static_assert(is_same_v<decltype(&M::in_build_order), Params (M::*)()>, "Model: in_build_order(), darknet's init order");
  // One character: fold and lay out the weights, then step.
  static_assert(is_same_v<decltype(&M::prepare_inference), void (M::*)()>, "Model: void prepare_inference()");
  static_assert(is_same_v<decltype(&M::set_temperature), void (M::*)(float)>, "Model: void set_temperature(float)");
  static_assert(is_same_v<decltype(&M::reset_state), void (M::*)()>, "Model: void reset_state()");
  static_assert(is_same_v<decltype(&M::step), const real* (M::*)(int)>, "Model: const real* step(int c)");
  // n samples at once (generate -n), where kHasBatchStep.
  static_assert(is_same_v<decltype(M::kHasBatchStep), const bool>, "Model: static constexpr bool kHasBatchStep");
  static_assert(is_same_v<decltype(&M::reset_batch), void (M::*)(int)>, "Model: void reset_batch(int n)");
  static_assert(is_same_v<decltype(&M::step_batch), const real* (M::*)(const unsigned char*)>,
                "Model: const real* step_batch(const unsigned char* c)");
  // Training (rnnc/train.h).
  static_assert(is_same_v<decltype(&M::train_begin), void (M::*)(train::Noise&)>,
                "Model: void train_begin(rnnc::train::Noise& noise)");
  static_assert(is_same_v<decltype(&M::train_forward), double (M::*)(const unsigned char*, const unsigned char*)>,
                "Model: double train_forward(const unsigned char* x, const unsigned char* truth)");
  static_assert(is_same_v<decltype(&M::train_backward), void (M::*)(const unsigned char*)>,
                "Model: void train_backward(const unsigned char* x)");
  return true;
}

struct ModelInfo {
  const char* name;          // the cfg's base name, as darknet names backups
  const char* cfg;           // the cfg file rnnc compiled
  int inputs;                // characters the model reads (and predicts)
  uint64_t init_rand_calls;  // rand() calls darknet's weight init makes
  uint64_t parameters;
  const char* summary;  // one line: the layers
  const char* backend;  // what it was built for: "built for -march=native (AVX-512 ...)"
  int sublayers;        // dense sub-layers in all
  int bf16_sublayers;   // those whose inference weights -precision bf16 stores in bf16: the ones
                        // the passes prepare; the plain reference kernels read the fp32 parameters
};

inline void print_usage(const ModelInfo& m, const char* argv0) {
  std::printf(
      "%s: a char-RNN compiled by rnnc from %s\n  %s\n\n"
      "usage:\n"
      "  %s generate WEIGHTS [-len N] [-seed TEXT] [-srand N] [-temp T] [-precision fp32|bf16] [-n N] [-o DIR]\n"
      "      print N characters (default 1000) sampled after TEXT (default \"\\n\\n\");\n"
      "      -srand seeds the generator (default: the time), -temp is the softmax temperature (default .7);\n"
      "      -n N prints N samples computed together (sample 0 on darknet's generator stream), one after\n"
      "      another, each ending in a newline (sample 0 streams out as it is made, the rest follow it);\n"
      "      -o DIR writes sample K to DIR/sample_K.txt instead, every sample as it is made\n"
      "  %s valid WEIGHTS [-seed TEXT] < text\n"
      "      bits per character of the text on stdin, as darknet prints them\n"
      "  %s train [WEIGHTS] -file DATA [-clear] [-backup DIR] [-backup_every N] [-srand N] [-max_batches N]\n"
      "      train on DATA; backups go to DIR (default backup/), every N batches (default 100)\n"
      "  %s init OUT [-srand N] [-scramble]\n"
      "      write freshly initialised weights (-scramble also randomises biases and batch-norm statistics)\n"
      "  %s probs WEIGHTS [-seed TEXT] < text\n"
      "      print the model's output probabilities after each character of stdin (for tests)\n"
      "  %s gradcheck [WEIGHTS] -file DATA [-srand N] [-samples N] [-h STEP[,STEP...]] [-floor A]\n"
      "      finite differences against the analytic gradient on one batch (build with -DRNNC_REAL=double);\n"
      "      N parameters per tensor (default 20); with several steps, a parameter's error is the smallest\n"
      "      over them (a step may carry a pre-activation across a kink of a piecewise-linear activation);\n"
      "      errors are relative to the larger gradient, or to A where both are below it\n",
      m.name, m.cfg, m.summary, argv0, argv0, argv0, argv0, argv0, argv0);
}

// The weights' precision at run time (after read_precision_flag), for the
// model line: what -precision asked for, where this model's kernels take it.
inline std::string precision_in_use(const ModelInfo& m) {
  if (weight_precision() != Precision::Bf16) return "fp32";
  if (m.bf16_sublayers == 0) return "fp32 (-precision bf16 ignored: the plain reference kernels read fp32 weights)";
  if (m.bf16_sublayers < m.sublayers)
    return "bf16 in " + std::to_string(m.bf16_sublayers) + " of " + std::to_string(m.sublayers) +
           " sub-layers, fp32 in the rest";
  return "bf16";
}

template <class Model>
void print_model_line(const ModelInfo& m) {
  std::fprintf(stderr, "%s: %s; %llu parameters; cpu %s, %s\n", m.name, m.summary,
               static_cast<unsigned long long>(m.parameters), precision_in_use(m).c_str(), m.backend);
}

// generate -len's limit: a terabyte of text per sample is far past any use,
// and keeps every count well inside 64 bits.
constexpr long long kMaxGenerateLength = 1000000000000LL;

inline void check_text_seed(const std::string& seed, int inputs, bool allow_empty) {
  if (seed.empty() && !allow_empty)
    fail("-seed must not be empty: the first character is what the model continues from");
  for (unsigned char c : seed)
    if (c >= inputs) fail("-seed holds byte %d, but the model reads only bytes 0..%d", c, inputs - 1);
}

// -precision fp32|bf16, for the commands that run inference.
inline void read_precision_flag(Flags& f) {
  std::string p = f.str("-precision", "fp32");
  if (p == "fp32")
    weight_precision() = Precision::Fp32;
  else if (p == "bf16")
    weight_precision() = Precision::Bf16;
  else
    fail("-precision is fp32 or bf16, got '%s'", p.c_str());
}

// -srand: any value srand() takes, negative ones as C converts them.
inline long long read_srand_flag(Flags& f, long long def) {
  return f.integer("-srand", def, -2147483648LL, 4294967295LL);
}

// -temp: checked as the float it becomes (1e-50 is a fine double but 0 as a
// float, and a denormal divides the logits into infinities).
inline float read_temp_flag(Flags& f) {
  double t = f.real("-temp", .7);
  float tf = static_cast<float>(t);
  if (!(tf > 0) || !std::isnormal(tf))
    fail("-temp must be a number above 0 that a float holds in full precision (%g to %g), got %g", double(FLT_MIN),
         double(FLT_MAX), t);
  return tf;
}

template <class Model>
std::unique_ptr<Model> load_for_inference(const std::string& path) {
  // The file's size first: a wrong file is refused before the model is allocated.
  check_weights_file_size(path, Model::info().parameters, Model::info().name);
  auto m = std::make_unique<Model>();
  load_weights(path, m->in_file_order(), Model::info().name);
  m->prepare_inference();
  return m;
}

// generate -n N: N samples of one seed at once, sharing every weight read.
// Sample 0 draws from darknet's generator stream, sample k from srand + k.
template <class Model>
int generate_samples(Model& m, const std::string& seed, long long len, int n, unsigned rseed, GlibcRandom& rng0,
                     SampleOutput& out) {
  const int inputs = Model::info().inputs;
  std::vector<GlibcRandom> rngs;
  rngs.push_back(rng0);
  for (int k = 1; k < n; ++k) rngs.emplace_back(rseed + static_cast<unsigned>(k));
  m.reset_batch(n);
  std::vector<unsigned char> c(n);
  for (size_t i = 0; i + 1 < seed.size(); ++i) {
    std::fill(c.begin(), c.end(), static_cast<unsigned char>(seed[i]));
    m.step_batch(c.data());
  }
  for (unsigned char ch : seed) {
    for (int s = 0; s < n; ++s) out.put(s, ch);
    out.end_step();
  }
  std::fill(c.begin(), c.end(), static_cast<unsigned char>(seed.back()));
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
            c[s] = static_cast<unsigned char>(sample_char(p.data(), inputs, rngs[s]));
          }
        },
        8);
    for (int s = 0; s < n; ++s) out.put(s, c[s]);
    out.end_step();
  }
  out.finish();
  return 0;
}

template <class Model>
int cmd_generate(Flags& f) {
  const ModelInfo& info = Model::info();
  long long len = f.integer("-len", 1000);
  if (len < 0) fail("-len must be 0 or more, got %lld", len);
  if (len > kMaxGenerateLength) fail("-len must be at most %lld, got %lld", kMaxGenerateLength, len);
  std::string seed = f.str("-seed", "\n\n");
  long long rseed = read_srand_flag(f, static_cast<long long>(std::time(nullptr)));
  float temp = read_temp_flag(f);
  if (f.has("-tokens") || f.has("-tokenized")) fail("generate: word-level -tokens is not supported by rnnc");
  read_precision_flag(f);
  long long samples = f.integer("-n", 1, 1, 4096);
  std::string out_dir = f.str("-o", "");
  std::string weights = f.positional();
  f.finish("generate");
  if constexpr (!Model::kHasBatchStep)
    if (samples > 1) fail("-n %lld: this model's layers have no batch kernels; use -n 1", samples);
  if (weights.empty())
    fail("generate: which weights file? usage: generate WEIGHTS [-len N] [-seed TEXT] [-srand N] [-temp T] [-n N] [-o DIR]");
  check_text_seed(seed, info.inputs, false);
  SampleOutput out(static_cast<int>(samples), out_dir);  // an unwritable -o DIR fails before any work

  // darknet seeds first, then builds (and so randomly initialises) the network.
  GlibcRandom rng(static_cast<unsigned>(rseed));
  rng.discard(info.init_rand_calls);
  auto m = load_for_inference<Model>(weights);
  m->set_temperature(temp);
  print_model_line<Model>(info);

  if (samples > 1)
    return generate_samples(*m, seed, len, static_cast<int>(samples), static_cast<unsigned>(rseed), rng, out);

  std::vector<float> p(info.inputs);
  int c = 0;
  for (size_t i = 0; i + 1 < seed.size(); ++i) {
    c = static_cast<unsigned char>(seed[i]);
    m->step(c);
    out.put(0, c);
    out.end_step();
  }
  c = static_cast<unsigned char>(seed.back());
  out.put(0, c);
  out.end_step();
  for (long long i = 0; i < len; ++i) {
    const real* probs = m->step(c);
    for (int j = 0; j < info.inputs; ++j) p[j] = static_cast<float>(probs[j]);
    c = sample_char(p.data(), info.inputs, rng);
    out.put(0, c);
    out.end_step();
  }
  out.finish();
  return 0;
}

// Reads stdin whole and checks every byte is one the model takes.
inline std::vector<unsigned char> read_stdin_text(int inputs) {
  std::vector<unsigned char> text;
  int ch;
  while ((ch = std::getchar()) != EOF) {
    if (ch >= inputs) fail("stdin: byte %d at offset %zu is outside the model's %d inputs", ch, text.size(), inputs);
    text.push_back(static_cast<unsigned char>(ch));
  }
  return text;
}

template <class Model>
int cmd_valid(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = f.str("-seed", "\n\n");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("valid");
  if (weights.empty()) fail("valid: which weights file? usage: valid WEIGHTS [-seed TEXT] < text");
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
  if (std::fflush(stdout) != 0) fail("cannot write the output: %s", std::strerror(errno));
  return 0;
}

template <class Model>
int cmd_probs(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string seed = f.str("-seed", "");
  read_precision_flag(f);
  std::string weights = f.positional();
  f.finish("probs");
  if (weights.empty()) fail("probs: which weights file?");
  check_text_seed(seed, info.inputs, true);
  auto m = load_for_inference<Model>(weights);
  for (unsigned char c : seed) m->step(c);
  for (unsigned char c : read_stdin_text(info.inputs)) {
    const real* out = m->step(c);
    for (int j = 0; j < info.inputs; ++j) std::printf(j ? " %.9g" : "%.9g", static_cast<double>(out[j]));
    std::putchar('\n');
  }
  return 0;
}

// darknet's initialisation: every dense weight sqrt(2/inputs)*uniform(-1,1)
// in build order, biases 0, batch-norm scales 1.
template <class Model>
void init_weights(Model& m, GlibcRandom& rng) {
  for (DenseParams* p : m.in_build_order()) {
    float scale = std::sqrt(2. / p->in);
    for (real& w : p->weights) w = scale * rng.uniform(-1, 1);
  }
}

template <class Model>
int cmd_init(Flags& f) {
  long long rseed = read_srand_flag(f, 0);
  bool scramble = f.has("-scramble");
  std::string out = f.positional();
  f.finish("init");
  if (out.empty()) fail("init: where to? usage: init OUT [-srand N] [-scramble]");
  auto m = std::make_unique<Model>();
  GlibcRandom rng(static_cast<unsigned>(rseed));
  init_weights(*m, rng);
  for (DenseParams* p : m->in_file_order()) {
    if (p->batch_norm) p->rolling_variance.assign(p->out, real(1));
    if (!scramble) continue;
    for (real& b : p->biases) b = rng.uniform(-.5, .5);
    if (p->batch_norm)
      for (int j = 0; j < p->out; ++j) {
        p->scales[j] = rng.uniform(.5, 1.5);
        p->rolling_mean[j] = rng.uniform(-.5, .5);
        p->rolling_variance[j] = rng.uniform(.25, 2);
      }
  }
  save_weights(out, m->in_file_order(), 0);
  std::fprintf(stderr, "wrote %s\n", out.c_str());
  return 0;
}

template <class Model>
int cmd_train(Flags& f);
template <class Model>
int cmd_gradcheck(Flags& f);

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
  if (cmd == "probs") return cmd_probs<Model>(f);
  if (cmd == "init") return cmd_init<Model>(f);
  if (cmd == "train") return cmd_train<Model>(f);
  if (cmd == "gradcheck") return cmd_gradcheck<Model>(f);
  fail("unknown command '%s'; try: generate, valid, train, init, probs (or --help)", cmd.c_str());
}

}  // namespace rnnc
