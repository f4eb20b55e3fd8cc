// Fuzz target: a generated program's command line. The input is the argv
// words, each ended by a NUL byte (the first is the command); they go to
// rnnc::run_program exactly as main() passes them, over a stand-in model
// (tiny.cfg's sub-layers, uniform probabilities), so every command's flag
// reading and range checks run as in a real program (runtime/rnnc/flags.h,
// program.h, train.h). The stand-in stops a run, by throwing StopRun, once
// the flags are read: at the 64th generated character and where training
// would start its first batch.
//
// Files: each input runs in a scratch folder (the harness changes into it
// and back) holding "w" (valid weights for the stand-in) and "d" (valid
// training text); '/' in a word becomes '_', so a path can only name
// something in that folder, and anything a command creates there is removed
// after each input (visualise's pages too). `init` (which only writes a file) is left out. Give
// libFuzzer an absolute -artifact_prefix (run.sh does): a crash happens
// inside the scratch folder.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "rnnc/error.h"
#include "rnnc/program.h"
#include "tiny_models.h"

namespace {

struct StopRun {};

std::filesystem::path g_scratch;

struct FakeModel {
  static constexpr bool kHasBatchStep = true;
  static constexpr int kInputs = 8;
  static constexpr int kMaxSteps = 64;

  fuzz::TinyModel tiny = fuzz::tiny_bn();
  std::vector<rnnc::real> probs;
  int steps = 0;

  static const rnnc::ModelInfo& info() {
    static const rnnc::ModelInfo i = [] {
      rnnc::ModelInfo m{};
      m.name = "tiny";
      m.cfg = "tests/fuzz/tiny.cfg";
      m.inputs = kInputs;
      m.init_rand_calls = 0;
      m.parameters = fuzz::tiny_bn().parameters();
      m.summary = "a stand-in for tiny.cfg";
      m.backend = "fuzz";
      return m;
    }();
    return i;
  }
  static const rnnc::train::NetConfig& net_config() {
    static const rnnc::train::NetConfig n = [] {
      rnnc::train::NetConfig c{};
      c.batch = 8;
      c.subdivisions = 1;
      c.time_steps = 2;
      c.streams = 4;
      c.learning_rate = .1f;
      c.momentum = .9f;
      c.decay = .001f;
      c.max_batches = 3;
      c.policy = rnnc::train::Policy::Constant;
      c.step = 1;
      c.scale = 1;
      c.gamma = 1;
      c.power = 4;
      c.B1 = .9f;
      c.B2 = .999f;
      c.eps = 1e-7f;
      return c;
    }();
    return n;
  }
  std::vector<rnnc::DenseParams*> in_file_order() { return tiny.layers(); }
  std::vector<rnnc::DenseParams*> in_build_order() { return tiny.layers(); }
  void prepare_inference() {}
  // -temp must reach the model as a usable float: 1e-50 or 1e-40 pass a
  // double's "> 0" but become 0 or a denormal (garbage text) as a float.
  void set_temperature(float t) {
    if (!(t > 0) || !std::isnormal(t)) {
      std::fprintf(stderr, "fuzz_flags: the model got temperature %g\n", double(t));
      std::abort();
    }
  }
  void reset_state() {}
  // One stand-in recurrent state, for visualise (which reads it after every step).
  rnnc::real hidden[3] = {.5, -.25, 0};
  std::vector<rnnc::StateView> states() { return {{"rnn0", "rnn0", "rnn", "h", hidden, 3}}; }
  const rnnc::real* step(int c) {
    if (c < 0 || c >= kInputs) std::abort();  // the program must only feed bytes the model reads
    return next(1);
  }
  void reset_batch(int n) { probs.clear(), probs.resize(size_t(n) * kInputs); }
  // vec reads the first layer's output after each step.
  static constexpr int kFirstLayerOutputs = 3;
  const rnnc::real* first_layer_output() const { return hidden; }
  const rnnc::real* step_batch(const rnnc::Symbol* c) {
    for (size_t s = 0; s < probs.size() / kInputs; ++s)
      if (c[s] < 0 || c[s] >= kInputs) std::abort();
    return next(probs.size() / kInputs);
  }
  const rnnc::real* next(size_t n) {
    if (++steps > kMaxSteps) throw StopRun();
    probs.assign(n * kInputs, rnnc::real(1) / kInputs);
    return probs.data();
  }
  void train_begin(rnnc::train::Noise&) { throw StopRun(); }
  double train_forward(const rnnc::Symbol*, const rnnc::Symbol*) { throw StopRun(); }
  void train_backward(const rnnc::Symbol*) { throw StopRun(); }
};

void write_scratch_file(const char* name, const std::string& bytes) {
  FILE* f = std::fopen((g_scratch / name).c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::perror("fuzz_flags: scratch file");
    std::abort();
  }
}

void remove_scratch() {
  std::error_code ec;
  if (!g_scratch.empty()) std::filesystem::remove_all(g_scratch, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("RNNC_THREADS", "1", 1);  // before the pool exists: one thread per input is plenty
  char tmpl[] = "/tmp/rnnc-fuzz-flags-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("fuzz_flags: mkdtemp");
    std::abort();
  }
  g_scratch = tmpl;
  std::atexit(remove_scratch);
  // Valid weights for the stand-in (written by the runtime itself) and text of bytes 1..7.
  fuzz::TinyModel m = fuzz::tiny_bn();
  rnnc::save_weights((g_scratch / "w").string(), m.layers(), 0);
  std::string text;
  for (int i = 0; i < 30; ++i) text += "\1\2\3\4\5\6\7";
  write_scratch_file("d", text);
  // The commands print; only the sanitizers' and libFuzzer's reports matter.
  if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "r", stdin)) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words{"tiny"};
  std::string word;
  for (size_t i = 0; i < size; ++i) {
    char c = static_cast<char>(data[i]);
    if (c == '\0') {
      words.push_back(word);
      word.clear();
    } else {
      word += c == '/' ? '_' : c;
    }
  }
  if (!word.empty()) words.push_back(word);
  if (words.size() > 1 && words[1] == "init") return 0;
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  // Only while the program runs: libFuzzer's own relative paths (the corpus) stay as given.
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(g_scratch);
  try {
    rnnc::run_program<FakeModel>(static_cast<int>(words.size()), argv.data());
  } catch (const rnnc::Failure&) {
  } catch (const StopRun&) {
  }
  std::filesystem::current_path(cwd);
  std::clearerr(stdin);
  // Whatever a command created (backup folders, outputs) goes: keep only w and d.
  for (const auto& e : std::filesystem::directory_iterator(g_scratch)) {
    std::string n = e.path().filename().string();
    if (n != "w" && n != "d") std::filesystem::remove_all(e.path());
  }
  return 0;
}
