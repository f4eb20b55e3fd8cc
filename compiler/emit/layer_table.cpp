#include "emit/layer_table.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "emit/names.h"

namespace rnnc {

namespace {

std::string bool_text(bool b) { return b ? "true" : "false"; }

// The float's bits as a C++17 template argument: 0x3f000000u for .5.
std::string float_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return fmt::format("/*probability={}*/ 0x{:08x}u", f, bits);
}

const KindRender kKinds[] = {
    {LayerKind::Rnn, "rnnc/layers/rnn.h", "rnnc/layers/rnn.cuh", "rnnc::layers::Rnn",
     [](const Layer& l) { return fmt::format("{}, /*shortcut=*/{}", act_enum(l.activation), bool_text(l.shortcut)); },
     false, false, "h"},
    {LayerKind::Lstm, "rnnc/layers/lstm.h", "rnnc/layers/lstm.cuh", "rnnc::layers::Lstm", [](const Layer&) { return std::string(); }, false,
     false, "cell h"},
    {LayerKind::Gru, "rnnc/layers/gru.h", "rnnc/layers/gru.cuh", "rnnc::layers::Gru",
     [](const Layer& l) { return fmt::format("/*tanh=*/{}", bool_text(l.tanh)); }, false, false, "h"},
    {LayerKind::Connected, "rnnc/layers/connected.h", "rnnc/layers/connected.cuh", "rnnc::layers::Connected",
     [](const Layer& l) { return act_enum(l.activation); }, false, false, nullptr},
    {LayerKind::Softmax, "rnnc/layers/softmax.h", "rnnc/layers/softmax.cuh", "rnnc::layers::Softmax",
     [](const Layer& l) { return fmt::format("/*groups=*/{}", l.groups); }, true, false, nullptr},
    {LayerKind::Dropout, "rnnc/layers/dropout.h", "rnnc/layers/dropout.cuh", "rnnc::layers::Dropout",
     [](const Layer& l) { return float_bits(l.probability); }, false, true, nullptr},
};

const OpRender kOps[] = {
    {OpKind::OneHot, "", false},  // the Model's own onehot vector, not a layer's
    {OpKind::Dense, "dense", false},
    {OpKind::DenseFolded, "dense_folded", true},
    {OpKind::RnnStep, "step", false},
    {OpKind::RnnStepFused, "step_fused", true},
    {OpKind::LstmStep, "step", false},
    {OpKind::LstmStepFused, "step_fused", false},
    {OpKind::GruStep, "step", false},
    {OpKind::GruStepFused, "step_fused", false},
    {OpKind::CopyState, "copy", false},
    {OpKind::Softmax, "softmax", true},
    {OpKind::Identity, "identity", true},
};

}  // namespace

const KindRender& kind_render(LayerKind k) {
  for (const KindRender& r : kKinds)
    if (r.kind == k) return r;
  throw std::logic_error("emit: a layer kind without a row in the kinds table");
}

const OpRender& op_render(OpKind k) {
  for (const OpRender& r : kOps)
    if (r.kind == k) return r;
  throw std::logic_error("emit: an op kind without a row in the ops table");
}

}  // namespace rnnc
