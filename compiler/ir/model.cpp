#include "ir/model.h"

#include <fmt/format.h>

namespace rnnc {

std::string all_activation_names() {
  std::string s;
  for (const ActName& a : kActNames) s += (s.empty() ? "" : ", ") + std::string(a.cfg);
  return s;
}

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Rnn: return "rnn";
    case LayerKind::Connected: return "connected";
    case LayerKind::Softmax: return "softmax";
    case LayerKind::Lstm: return "lstm";
    case LayerKind::Gru: return "gru";
    case LayerKind::Dropout: return "dropout";
  }
  return "?";
}

int64_t Model::parameters() const {
  int64_t n = 0;
  for (auto& l : layers)
    for (auto& d : l.dense) n += d.parameters();
  return n;
}

uint64_t Model::init_rand_calls() const {
  uint64_t n = 0;
  for (auto& l : layers)
    for (auto& d : l.dense) n += uint64_t(d.in) * d.out;
  return n;
}

std::string Model::summary() const {
  auto describe = [](const Layer& l) {
    std::string s = fmt::format("[{}]", layer_kind_name(l.kind));
    if (l.kind == LayerKind::Softmax) return s;
    if (l.kind == LayerKind::Dropout) return s + fmt::format(" {}", l.probability);  // "[dropout] 0.5"
    s += fmt::format(" {}", l.outputs);
    std::vector<std::string> notes;
    if (l.batch_normalize) notes.push_back("batch norm");
    if (l.kind == LayerKind::Rnn || l.kind == LayerKind::Connected) notes.push_back(act_name(l.activation).cfg);
    if (l.shortcut) notes.push_back("shortcut");
    if (l.tanh) notes.push_back("tanh");
    if (!notes.empty()) s += " (" + fmt::format("{}", fmt::join(notes, ", ")) + ")";
    return s;
  };
  std::vector<std::string> parts;
  for (size_t i = 0; i < layers.size();) {
    std::string d = describe(layers[i]);
    size_t j = i + 1;
    while (j < layers.size() && describe(layers[j]) == d) ++j;
    parts.push_back(j - i > 1 ? fmt::format("{} x {}", j - i, d) : d);
    i = j;
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace rnnc
