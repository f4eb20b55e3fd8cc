// The model IR: the contract between the cfg reader and everything after it.
// Every size is resolved; the emitter never sees cfg syntax.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag.h"

namespace rnnc {

// darknet's activations (activations.h), in its enum's order.
enum class Activation { Logistic, Relu, Relie, Linear, Ramp, Tanh, Plse, Leaky, Elu, Loggy, Stair, Hardtan, Lhtan, Selu };
std::optional<Activation> activation_from_name(const std::string& name);
const char* activation_name(Activation a);         // "leaky"
const char* activation_enum_name(Activation a);    // "Leaky", as runtime's rnnc::Act spells it
std::string all_activation_names();                // for error messages

enum class Policy { Constant, Step, Steps, Exp, Poly, Sig, Random };
std::optional<Policy> policy_from_name(const std::string& name);
const char* policy_name(Policy p);

// [net]: training options with darknet's defaults.
struct NetOptions {
  int batch = 1;  // effective: cfg batch / subdivisions * time_steps, as darknet computes it
  int subdivisions = 1;
  int time_steps = 1;
  int inputs = 0;
  SourceLoc inputs_loc;  // the inputs= line (or [net]'s), for errors about it
  float learning_rate = .001f, momentum = .9f, decay = .0001f;
  int max_batches = 0;
  Policy policy = Policy::Constant;
  std::vector<int> steps;
  std::vector<float> scales;
  int step = 1;
  float scale = 1, gamma = 1, power = 4;
  int burn_in = 0;
  bool adam = false;
  float B1 = .9f, B2 = .999f, eps = .0000001f;
  int streams() const { return batch / time_steps; }
};

// One darknet connected layer: y = act(BN(W x) + b).
struct Dense {
  std::string name;  // "rnn0.input": the layer's name and the sub-layer's role
  int in = 0, out = 0;
  bool batch_norm = false;
  Activation activation = Activation::Linear;
  int64_t parameters() const { return int64_t(in) * out + out + (batch_norm ? 3 * out : 0); }
};

enum class LayerKind { Rnn, Connected, Softmax, Lstm, Gru };
const char* layer_kind_name(LayerKind k);  // "rnn"

struct Layer {
  LayerKind kind;
  std::string name;  // kind + darknet's layer index: "rnn0", "connected3"
  SourceLoc loc;     // the [section] line
  int index = 0;
  int inputs = 0, outputs = 0;
  Activation activation = Activation::Logistic;
  bool batch_normalize = false;
  bool shortcut = false;     // [rnn]
  bool tanh = false;         // [gru]
  int groups = 1;            // [softmax]
  float temperature = 1;     // [softmax]
  std::vector<Dense> dense;  // sub-layers in the weights file's order
  std::vector<int> build_order;  // indices into dense, in darknet's construction (init) order
};

struct Model {
  std::string name;      // the cfg's base name ("rnn" for cfg/rnn.cfg)
  std::string cfg_path;
  NetOptions net;
  std::vector<Layer> layers;

  int64_t parameters() const;
  // rand() calls darknet's weight init makes while building the network.
  uint64_t init_rand_calls() const;
  std::string summary() const;  // "3 x [rnn] 96 (batch norm, leaky), [connected] 256 (leaky), [softmax]"
};

}  // namespace rnnc
