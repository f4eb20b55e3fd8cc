// The model IR: the contract between the cfg reader and everything after it.
// Every size is resolved; the emitter never sees cfg syntax.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag.h"
#include "rnnc/vocabulary.h"

namespace rnnc {

// darknet's activations and learning-rate policies, and the [net] options, are
// the runtime's own (rnnc/vocabulary.h): one definition for both sides.
std::string all_activation_names();  // "logistic, relu, ...", for error messages

// [net]: the training options (darknet's defaults), and what only rnnc needs.
struct NetOptions : NetConfig {
  int inputs = 0;
  SourceLoc inputs_loc;  // the inputs= line (or [net]'s), for errors about it
};

// What a sub-layer multiplies: the layer's input (x, or the one-hot character)
// or the layer's own recurrent state h. Lowering sets it; the emitter names
// the sub-layer's input size from it (kRnn1In or kRnn1Out), as the sizes
// alone cannot tell the two apart when they are equal.
enum class DenseInput { LayerInput, State };

// One darknet connected layer: y = act(BN(W x) + b).
struct Dense {
  std::string name;  // "rnn0.input": the layer's name and the sub-layer's role
  int in = 0, out = 0;
  bool batch_norm = false;
  Act activation = Act::Linear;
  DenseInput input = DenseInput::LayerInput;
  int64_t parameters() const { return int64_t(in) * out + out + (batch_norm ? 3 * out : 0); }
};

enum class LayerKind { Rnn, Connected, Softmax, Lstm, Gru, Dropout };
const char* layer_kind_name(LayerKind k);  // "rnn"

struct Layer {
  LayerKind kind;
  std::string name;  // kind + darknet's layer index: "rnn0", "connected3"
  SourceLoc loc;     // the [section] line
  int index = 0;
  int inputs = 0, outputs = 0;
  Act activation = Act::Logistic;
  bool batch_normalize = false;
  bool shortcut = false;     // [rnn]
  bool tanh = false;         // [gru]
  int groups = 1;            // [softmax]
  float temperature = 1;     // [softmax]
  float probability = .5f;   // [dropout]: of dropping an element in training
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
