#include "emit/emit_cpp.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

#include "emit/embedded.h"
#include "emit/emit_batch.h"
#include "emit/emit_train.h"
#include "emit/names.h"
#include "ir/limits.h"

namespace rnnc {

std::string fill_template(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& holes) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = tmpl.find("{{", at);
    if (open == std::string::npos) break;
    size_t close = tmpl.find("}}", open);
    if (close == std::string::npos) throw std::logic_error("template: unclosed {{");
    std::string key = tmpl.substr(open + 2, close - open - 2);
    const std::string* value = nullptr;
    for (auto& h : holes)
      if (h.first == key) value = &h.second;
    if (!value) throw std::logic_error("template: no value for {{" + key + "}}");
    out += tmpl.substr(at, open - at);
    out += *value;
    at = close + 2;
  }
  out += tmpl.substr(at);
  return out;
}

namespace {


class Emitter {
 public:
  Emitter(const Model& m, const Plan& p, const EmitOptions& o) : m_(m), p_(p), o_(o) {}

  std::string run() {
    if (p_.layers.size() != m_.layers.size()) throw std::logic_error("emit: the IR has not one op list per layer");
    for (size_t i = 0; i < m_.layers.size(); ++i) layer(m_.layers[i], p_.layers[i]);
    std::string passes = p_.applied.empty() ? "none (plain reference kernels)" : fmt::format("{}", fmt::join(p_.applied, ", "));
    std::string ns = "model_" + identifier(m_.name);
    const Layer& last = m_.layers.back();
    return fill_template(embedded_file("templates/program.cpp.tmpl"),
                         {{"CFG", comment_text(m_.cfg_path)},
                          {"SUMMARY", comment_text(m_.summary())},
                          {"PASSES", passes},
                          {"INCLUDES", fmt::format("#include \"rnnc/inference_kernels.h\"\n#include \"rnnc/batch_kernels.h\"\n#include \"rnnc/reference_kernels.h\"\n#include \"rnnc/gate_kernels.h\"\n#include \"rnnc/gate_reference.h\"\n#include \"rnnc/train.h\"\n#include \"rnnc/train/gates.h\"")},
                          {"NAMESPACE", ns},
                          {"CONSTANTS", constants_},
                          {"INFO", info()},
                          {"PARAMS", params_},
                          {"FILE_ORDER", fmt::format("{}", fmt::join(file_order_, ", "))},
                          {"BUILD_ORDER", fmt::format("{}", fmt::join(build_order_, ", "))},
                          {"INFERENCE_MEMBERS", members_},
                          {"TEMPERATURE", float_literal(last.kind == LayerKind::Softmax ? last.temperature : 1.f)},
                          {"PREPARE", prepare_},
                          {"RESET", reset_.empty() ? "    // no recurrent state\n" : reset_},
                          {"STEP", step_},
                          {"BATCH", emit_batch_step(m_, p_)},
                          {"TRAINING", emit_training(m_)},
                          {"MAIN", main_function(ns)}});
  }

 private:
  static std::string identifier(const std::string& s) {
    std::string out;
    for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return out;
  }

  // ModelInfo's fields, one assignment each (the template wraps them in a
  // lambda): named, so that no value lands in the wrong field, in plain C++17.
  std::string info() const {
    std::string s;
    auto field = [&](const char* name, const std::string& value) { s += fmt::format("      m.{} = {};\n", name, value); };
    field("name", string_literal(m_.name));
    field("cfg", string_literal(m_.cfg_path));
    field("inputs", "kInputs");
    field("init_rand_calls", fmt::format("{}ull", m_.init_rand_calls()));
    field("parameters", fmt::format("{}ull", m_.parameters()));
    field("summary", string_literal(m_.summary()));
    // The instruction sets the compiler was allowed (rnnc/host_check.h's RNNC_BUILT_ISA).
    field("backend", string_literal("built for -march=" + o_.march + " (") + " RNNC_BUILT_ISA \")\"");
    int sublayers = 0;
    for (const Layer& l : m_.layers) sublayers += static_cast<int>(l.dense.size());
    field("sublayers", std::to_string(sublayers));
    field("bf16_sublayers", std::to_string(prepared_));
    return s;
  }

  // main(), after the checks that this machine can run the program at all
  // (rnnc/host_check.h): its CPU before any other code runs, its memory
  // before anything is allocated.
  std::string main_function(const std::string& ns) const {
    MemoryNeeds need = estimate_memory(m_);
    return fmt::format(
        "namespace {{\n"
        "// What the program needs of the machine: the CPU it was built for and memory (bytes) for\n"
        "// inference and for training.\n"
        "constexpr rnnc::HostNeeds host_needs() {{\n"
        "  rnnc::HostNeeds n{{}};\n"
        "  n.program = {};\n"
        "  n.march = {};\n"
        "  n.weight_bytes = {}ull;\n"
        "  n.train_bytes = {}ull;\n"
        "  return n;\n"
        "}}\n"
        "constexpr rnnc::HostNeeds kHostNeeds = host_needs();\n"
        "}}  // namespace\n"
        "RNNC_CHECK_CPU_AT_START(kHostNeeds)\n\n"
        "int main(int argc, char** argv) {{\n"
        "  rnnc::check_host_memory(kHostNeeds, argc, argv);\n"
        "  return rnnc::run_program<{}::Model>(argc, argv);\n"
        "}}\n",
        string_literal(m_.name), string_literal(o_.march), need.inference_bytes, need.training_bytes, ns);
  }

  // One layer: its constants and parameters, then its ops from the IR, each
  // rendered by op_call.
  void layer(const Layer& l, const LayerOps& lo) {
    std::string C = camel(l.name);
    std::string in_const = prev_out_const_.empty() ? "kInputs" : prev_out_const_;
    if (l.index == 0) {
      constants_ += fmt::format("constexpr int kInputs = {};  // bytes the model reads\n", m_.net.inputs);
      constants_ += fmt::format("constexpr int kTimeSteps = {};  // characters per stream in a training batch\n", m_.net.time_steps);
      constants_ += fmt::format("constexpr int kStreams = {};  // text streams per batch (batch / time_steps)\n", m_.net.streams);
      constants_ += "constexpr int kRows = kTimeSteps * kStreams;\n";
      constants_ += "constexpr int kBatch = kRows;  // darknet's effective batch\n";
    }
    constants_ += fmt::format("// [{}] {}, {}\n", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()));
    constants_ += fmt::format("constexpr int k{}In = {};\n", C, in_const);
    constants_ += fmt::format("constexpr int k{}Out = {};\n", C, l.outputs);
    std::string out_const = fmt::format("k{}Out", C);

    for (const Dense& d : l.dense) {
      std::string din = d.input == DenseInput::LayerInput ? fmt::format("k{}In", C) : out_const;
      params_ += fmt::format("    rnnc::DenseParams {}{{\"{}\", {}, {}, /*batch_norm=*/{}}};\n", member_name(d), d.name,
                             din, out_const, d.batch_norm ? "true" : "false");
      file_order_.push_back("&params." + member_name(d));
    }
    for (int b : l.build_order) build_order_.push_back("&params." + member_name(l.dense[b]));

    LayerCtx L{l, C, out_const, prev_y_, l.name + "_h", l.name + "_c", l.name + "_y"};
    std::string& s = step_;
    s += fmt::format("    // [{}] {} ({}): {}\n", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()), describe(l, lo));
    if (o_.inject_error_in_layer == l.index)
      s += fmt::format("    rnnc_injected_error_for_{}();  // test-only: a line that does not compile\n", l.name);
    bool state_declared = false, one_hot_vector = false;
    for (const Op& op : lo.ops) {
      if (op.kind == OpKind::OneHot) {
        one_hot_vector = true;
      } else if (!state_declared) {
        declare_state(L);
        state_declared = true;
      }
      if (op.kind == OpKind::Softmax && L.x.empty()) throw CompileError(l.loc, "a [softmax] cannot be the first layer");
      s += op_call(L, op);
    }
    if (one_hot_vector) s += "    onehot[c] = 0;\n";
    members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // {}'s output\n", L.y, out_const, l.name);
    if (&l == &m_.layers.back()) s += fmt::format("    return {};\n", L.y);
    prev_y_ = L.y;
    prev_out_const_ = out_const;
  }

  // What an op's rendering needs of its layer.
  struct LayerCtx {
    const Layer& l;
    std::string C, out, x, h, cell, y;  // x: the input buffer ("" for the character c)
  };

  // The recurrent state: h (the layer's output at the previous character)
  // and, for [lstm], the cell c; both start at zero and reset() zeroes them.
  void declare_state(const LayerCtx& L) {
    const Layer& l = L.l;
    if (l.kind == LayerKind::Rnn) {
      members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // recurrent state\n", L.h, L.out);
    } else if (l.kind == LayerKind::Lstm || l.kind == LayerKind::Gru) {
      members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // [{}] {}'s state h\n", L.h, L.out, layer_kind_name(l.kind), l.name);
    } else {
      return;
    }
    reset_ += fmt::format("    std::fill(std::begin({0}), std::end({0}), rnnc::real(0));\n", L.h);
    if (l.kind == LayerKind::Lstm) {
      members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // [lstm] {}'s cell state c\n", L.cell, L.out, l.name);
      reset_ += fmt::format("    std::fill(std::begin({0}), std::end({0}), rnnc::real(0));\n", L.cell);
    }
  }

  // One op as C++: the table of what each op kind calls.
  std::string op_call(LayerCtx& L, const Op& op) {
    const Layer& l = L.l;
    auto params = [&](const char* prefix) {  // the op's sub-layers, as arguments
      std::vector<std::string> v;
      for (int d : op.dense) v.push_back(prefix + member_name(l.dense[d]));
      return fmt::format("{}", fmt::join(v, ", "));
    };
    auto folded = [&]() {  // prepares the op's folded weights; gathered where it reads c
      for (int d : op.dense) fold(l.dense[d], op.one_hot && l.dense[d].input == DenseInput::LayerInput);
      return params("folded_");
    };
    const std::string act = act_enum(l.activation), sc = l.shortcut ? "true" : "false";
    const std::string oh = op.one_hot ? "true" : "false";
    const std::string xin = op.one_hot ? "nullptr" : L.x, cin = op.one_hot ? "c" : "0";
    switch (op.kind) {
      case OpKind::OneHot:
        // The plain path multiplies by an explicit one-hot vector, as darknet does.
        members_ += "  rnnc::real onehot[kInputs] = {};\n";
        L.x = "onehot";
        return "    onehot[c] = 1;\n";
      case OpKind::Dense: {
        const Dense& d = l.dense[op.dense[0]];
        std::string x = d.input == DenseInput::State ? L.h : L.x;
        return fmt::format("    rnnc::reference::dense_forward<{}>(params.{}, {}, {});\n", act, member_name(d), x, L.y);
      }
      case OpKind::DenseFolded: {
        const Dense& d = l.dense[op.dense[0]];
        bool state = d.input == DenseInput::State;
        std::string in = state ? L.out : fmt::format("k{}In", L.C), args = folded();
        if (op.one_hot)
          return fmt::format("    rnnc::dense_gather<{}, {}, {}>({}, c, {});\n", in, L.out, act, args, L.y);
        return fmt::format("    rnnc::dense_forward<{}, {}, {}>({}, {}, {});\n", in, L.out, act, args, state ? L.h : L.x, L.y);
      }
      case OpKind::RnnStep:
        return fmt::format("    rnnc::reference::rnn_step<{}>({}, {}, {}, {});\n", act, params("params."), L.x, sc, L.h);
      case OpKind::RnnStepFused:
        return fmt::format("    rnnc::rnn_step<k{}In, {}, {}, {}, {}>({}, {}, {}, {});\n", L.C, L.out, act, sc, oh, folded(),
                           xin, cin, L.h);
      case OpKind::LstmStep:
        return fmt::format("    rnnc::reference::lstm_step({}, {}, {}, {});\n", params("params."), L.x, L.h, L.cell);
      case OpKind::LstmStepFused:
        return fmt::format("    rnnc::lstm_step<k{}In, {}, {}>({}, {}, {}, {}, {});\n", L.C, L.out, oh, folded(), xin, cin,
                           L.h, L.cell);
      case OpKind::GruStep:
        return fmt::format("    rnnc::reference::gru_step({}, {}, {}, {});\n", params("params."), L.x,
                           l.tanh ? "true" : "false", L.h);
      case OpKind::GruStepFused:
        return fmt::format("    rnnc::gru_step<k{}In, {}, {}, {}>({}, {}, {}, {});\n", L.C, L.out, oh, l.tanh ? "true" : "false",
                           folded(), xin, cin, L.h);
      case OpKind::CopyState:
        return fmt::format("    std::copy(std::begin({0}), std::end({0}), {1});  // the output is h\n", L.h, L.y);
      case OpKind::Softmax:
        return fmt::format("    rnnc::softmax<{}, {}>({}, temperature, {});\n", L.out, l.groups, L.x, L.y);
    }
    throw std::logic_error("emit: an op kind without a rendering");
  }

  void fold(const Dense& d, bool gather) {
    ++prepared_;  // -precision bf16 stores these weights in bf16 (rnnc/inference_kernels.h apply_precision)
    members_ += fmt::format("  rnnc::InferenceDense folded_{};  // {}{}\n", member_name(d), d.batch_norm ? "batch norm folded in" : "no batch norm",
                            gather ? ", stored [in][out] for the gather" : "");
    prepare_ += fmt::format("    folded_{0} = rnnc::{1}(params.{0});\n", member_name(d), gather ? "prepare_gather" : "prepare_dense");
  }

  // The layer's comment line, from the forms its ops have.
  static std::string describe(const Layer& l, const LayerOps& lo) {
    bool fused = false, gathered = false;
    for (const Op& op : lo.ops) {
      fused |= op.kind == OpKind::RnnStepFused || op.kind == OpKind::LstmStepFused || op.kind == OpKind::GruStepFused;
      gathered |= op.one_hot;
    }
    switch (l.kind) {
      case LayerKind::Rnn:
        return fused ? fmt::format("h = act(input({})) + act(self(h)){}, one fused kernel; y = act(output(h))",
                                   gathered ? "gathered row" : "x", l.shortcut ? " + h" : "")
                     : "input, self and output sub-layers as separate passes (reference)";
      case LayerKind::Connected:
        return gathered ? "y = act(W[:, c] + b), a gather" : "y = act(W x + b)";
      case LayerKind::Softmax:
        return fmt::format("softmax over {} group(s), with the temperature", l.groups);
      case LayerKind::Lstm:
        return fused ? fmt::format("f, i, o = logistic, g = tanh of (w* h + u* {}); c = c*f + i*g; h = tanh(c)*o, one fused "
                                   "kernel",
                                   gathered ? "gathered row" : "x")
                     : "eight gate sub-layers, gate sums, activations and state update as separate passes (reference)";
      case LayerKind::Gru:
        return fused ? fmt::format("z, r = logistic(u* {0} + w* h); hh = {1}(uh {0} + wh (r*h)); h = z*h + (1-z)*hh, "
                                   "fused kernel",
                                   gathered ? "gathered row" : "x", l.tanh ? "tanh" : "logistic")
                     : "six gate sub-layers, gate sums, activations and state update as separate passes (reference)";
      default:
        return "";
    }
  }

  const Model& m_;
  const Plan& p_;
  const EmitOptions& o_;
  std::string constants_, params_, members_, prepare_, reset_, step_, prev_y_, prev_out_const_;
  std::vector<std::string> file_order_, build_order_;
  int prepared_ = 0;  // sub-layers whose weights are prepared for inference (InferenceDense)
};

}  // namespace

std::string emit_cpp(const Model& m, const Plan& plan, const EmitOptions& opts) { return Emitter(m, plan, opts).run(); }

}  // namespace rnnc
