// The dense sub-layers of tiny.cfg and tiny-adam.cfg in the weights file's
// order, as rnnc lowers them (compiler/ir/lower.cpp), for the fuzz targets
// that read weights and training state. make_seeds.sh writes the seeds with
// programs built from those cfgs, so a seed of the right size gets past the
// size checks and the fuzzer reaches the parsing of every field.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rnnc/params.h"
#include "rnnc/train/update.h"

namespace fuzz {

struct TinyModel {
  std::string name;
  bool adam = false;
  int streams = 4;  // batch=4 streams of time_steps=2 in both cfgs
  std::vector<std::unique_ptr<rnnc::DenseParams>> owned;

  std::vector<rnnc::DenseParams*> layers() const {
    std::vector<rnnc::DenseParams*> v;
    for (auto& p : owned) v.push_back(p.get());
    return v;
  }
  // What rnnc counts as the model's parameters: every float of the weights file.
  uint64_t parameters() const {
    uint64_t n = 0;
    for (auto& p : owned) n += p->file_floats();
    return n;
  }
  // Momentum (and, with Adam, moment) buffers, as train allocates them.
  void allocate_training() {
    for (auto& p : owned) rnnc::train::allocate_updates(*p, adam);
  }
  void add(const std::string& n, int in, int out, bool bn) {
    owned.push_back(std::make_unique<rnnc::DenseParams>(n, in, out, bn));
  }
};

// tiny.cfg: [rnn] 4 with batch norm over 8 inputs, [connected] 8, [softmax].
inline TinyModel tiny_bn() {
  TinyModel m;
  m.name = "tiny";
  m.add("rnn0.input", 8, 4, true);
  m.add("rnn0.self", 4, 4, true);
  m.add("rnn0.output", 4, 4, true);
  m.add("connected1", 4, 8, false);
  return m;
}

// tiny-adam.cfg: [gru] 3 over 8 inputs, [connected] 8, [softmax]; Adam.
inline TinyModel tiny_adam() {
  TinyModel m;
  m.name = "tiny-adam";
  m.adam = true;
  for (const char* w : {"wz", "wr", "wh"}) m.add(std::string("gru0.") + w, 3, 3, false);
  for (const char* u : {"uz", "ur", "uh"}) m.add(std::string("gru0.") + u, 8, 3, false);
  m.add("connected1", 3, 8, false);
  return m;
}

}  // namespace fuzz
