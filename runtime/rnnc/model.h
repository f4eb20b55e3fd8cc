// The generated Model as the commands see it: its interface (checked at
// compile time), what it says about itself (ModelInfo), and the steps every
// command takes with it: load weights for inference, initialise them as
// darknet does, print the model line.
#pragma once
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "params.h"
#include "precision.h"
#include "random.h"
#include "vocabulary.h"
#include "weights_io.h"

namespace rnnc {

struct ModelInfo;

// One recurrent state of the generated Model (Model::states()): a layer
// kind's state member, e.g. rnn1's h or lstm0's cell, as step() leaves it.
struct StateView {
  const char* name;    // "rnn1"; "lstm0.cell" where the kind has more than one member
  const char* layer;   // the layer, named after its cfg section: "lstm0"
  const char* kind;    // "rnn", "lstm", "gru"
  const char* member;  // "h", "cell"
  const real* values;
  int size;
};

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
  // The recurrent states step() leaves (visualise).
  static_assert(is_same_v<decltype(&M::states), std::vector<StateView> (M::*)()>,
                "Model: std::vector<rnnc::StateView> states()");
  // The first layer's output after the last step (vec).
  static_assert(is_same_v<decltype(M::kFirstLayerOutputs), const int>, "Model: static constexpr int kFirstLayerOutputs");
  static_assert(is_same_v<decltype(&M::first_layer_output), const real* (M::*)() const>,
                "Model: const real* first_layer_output() const");
  // n samples at once (generate -n), where kHasBatchStep.
  static_assert(is_same_v<decltype(M::kHasBatchStep), const bool>, "Model: static constexpr bool kHasBatchStep");
  static_assert(is_same_v<decltype(&M::reset_batch), void (M::*)(int)>, "Model: void reset_batch(int n)");
  static_assert(is_same_v<decltype(&M::step_batch), const real* (M::*)(const Symbol*)>,
                "Model: const real* step_batch(const Symbol* c)");
  // Training (rnnc/commands/train.h).
  static_assert(is_same_v<decltype(&M::train_begin), void (M::*)(train::Noise&)>,
                "Model: void train_begin(rnnc::train::Noise& noise)");
  static_assert(is_same_v<decltype(&M::train_forward), double (M::*)(const Symbol*, const Symbol*)>,
                "Model: double train_forward(const Symbol* x, const Symbol* truth)");
  static_assert(is_same_v<decltype(&M::train_backward), void (M::*)(const Symbol*)>,
                "Model: void train_backward(const Symbol* x)");
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
  int bf16_sublayers;   // those whose inference weights -precision bf16 (or int8) stores narrower: the ones
                        // the passes prepare; the plain reference kernels read the fp32 parameters
};

// The weights' precision at run time (after read_precision_flag), for the
// model line: what -precision asked for, where this model's kernels take it.
inline std::string precision_in_use(const ModelInfo& m) {
  if (weight_precision() == Precision::Fp32) return "fp32";
  const std::string name = weight_precision() == Precision::Bf16 ? "bf16" : "int8";
  if (m.bf16_sublayers == 0)
    return "fp32 (-precision " + name + " ignored: the plain reference kernels read fp32 weights)";
  // int8 leaves one-hot input rows (gathers) in fp32 (dense/inference.h).
  const std::string rows = weight_precision() == Precision::Int8 ? " (one-hot input rows fp32)" : "";
  if (m.bf16_sublayers < m.sublayers)
    return name + " in " + std::to_string(m.bf16_sublayers) + " of " + std::to_string(m.sublayers) +
           " sub-layers, fp32 in the rest" + rows;
  return name + rows;
}

// Where the commands run, for the model line: the CPU unless a CUDA build
// (rnnc --cuda, rnnc/cuda/program.cuh) chose a device. note follows the
// precision: ", NVIDIA H200", or " (no CUDA device)" for a CUDA build on the CPU.
struct RunDevice {
  const char* kind = "cpu";
  std::string note;
  std::string usage;  // what --help adds: a CUDA build's device flags
};
inline RunDevice& run_device() {
  static RunDevice d;
  return d;
}

template <class Model>
void print_model_line(const ModelInfo& m) {
  std::fprintf(stderr, "%s: %s; %llu parameters; %s %s%s, %s\n", m.name, m.summary,
               static_cast<unsigned long long>(m.parameters), run_device().kind, precision_in_use(m).c_str(),
               run_device().note.c_str(), m.backend);
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

// darknet's initialisation: every dense weight sqrt(2/inputs)*uniform(-1,1)
// in build order, biases 0, batch-norm scales 1.
template <class Model>
void init_weights(Model& m, GlibcRandom& rng) {
  for (DenseParams* p : m.in_build_order()) {
    float scale = std::sqrt(2. / p->in);
    for (real& w : p->weights) w = scale * rng.uniform(-1, 1);
  }
}

}  // namespace rnnc
