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

  // The current layer's input, as an expression, and whether it is the one-hot character.
  void layer(const Layer& l, const LayerPlan& lp) {
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

    std::string x = prev_y_;  // input buffer ("" for the one-hot character)
    bool onehot = x.empty();
    std::string& s = step_;
    s += fmt::format("    // [{}] {} ({}): {}\n", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()), describe(l, lp));
    if (o_.inject_error_in_layer == l.index)
      s += fmt::format("    rnnc_injected_error_for_{}();  // test-only: a line that does not compile\n", l.name);
    if (onehot && !lp.one_hot_input && l.kind != LayerKind::Softmax) {
      // The plain path multiplies by an explicit one-hot vector, as darknet does.
      members_ += "  rnnc::real onehot[kInputs] = {};\n";
      s += "    onehot[c] = 1;\n";
      x = "onehot";
    }
    std::string y = l.name + "_y";
    switch (l.kind) {
      case LayerKind::Rnn: {
        std::string h = l.name + "_h";
        members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // recurrent state\n", h, out_const);
        reset_ += fmt::format("    std::fill(std::begin({0}), std::end({0}), rnnc::real(0));\n", h);
        const Dense &di = l.dense[0], &ds = l.dense[1], &dout = l.dense[2];
        if (lp.fused_step) {
          fold(di, lp.one_hot_input);
          fold(ds, false);
          fold(dout, false);
          s += fmt::format("    rnnc::rnn_step<k{0}In, {1}, {2}, {3}, {4}>(folded_{5}, folded_{6}, {7}, {8}, {9});\n", C,
                           out_const, act_enum(l.activation), l.shortcut ? "true" : "false",
                           lp.one_hot_input ? "true" : "false", member_name(di), member_name(ds),
                           lp.one_hot_input ? "nullptr" : x, lp.one_hot_input ? "c" : "0", h);
          s += fmt::format("    rnnc::dense_forward<{0}, {0}, {1}>(folded_{2}, {3}, {4});\n", out_const,
                           act_enum(l.activation), member_name(dout), h, y);
        } else {
          s += fmt::format("    rnnc::reference::rnn_step<{}>(params.{}, params.{}, {}, {}, {});\n", act_enum(l.activation),
                           member_name(di), member_name(ds), x, l.shortcut ? "true" : "false", h);
          s += fmt::format("    rnnc::reference::dense_forward<{}>(params.{}, {}, {});\n", act_enum(l.activation),
                           member_name(dout), h, y);
        }
        break;
      }
      case LayerKind::Connected: {
        const Dense& d = l.dense[0];
        if (lp.fold_batch_norm) {
          fold(d, lp.one_hot_input);
          if (lp.one_hot_input)
            s += fmt::format("    rnnc::dense_gather<k{0}In, {1}, {2}>(folded_{3}, c, {4});\n", C, out_const,
                             act_enum(l.activation), member_name(d), y);
          else
            s += fmt::format("    rnnc::dense_forward<k{0}In, {1}, {2}>(folded_{3}, {4}, {5});\n", C, out_const,
                             act_enum(l.activation), member_name(d), x, y);
        } else {
          s += fmt::format("    rnnc::reference::dense_forward<{}>(params.{}, {}, {});\n", act_enum(l.activation), member_name(d), x, y);
        }
        break;
      }
      case LayerKind::Softmax:
        if (onehot) throw CompileError(l.loc, "a [softmax] cannot be the first layer");
        s += fmt::format("    rnnc::softmax<{}, {}>({}, temperature, {});\n", out_const, l.groups, x, y);
        break;
      case LayerKind::Lstm:
      case LayerKind::Gru: {
        // State: h (the layer's output at the previous character) and, for
        // [lstm], the cell c; both start at zero and reset() zeroes them.
        const bool lstm = l.kind == LayerKind::Lstm;
        const char* kind = layer_kind_name(l.kind);
        std::string h = l.name + "_h", cell = l.name + "_c";
        members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // [{}] {}'s state h\n", h, out_const, kind, l.name);
        reset_ += fmt::format("    std::fill(std::begin({0}), std::end({0}), rnnc::real(0));\n", h);
        if (lstm) {
          members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // [lstm] {}'s cell state c\n", cell, out_const, l.name);
          reset_ += fmt::format("    std::fill(std::begin({0}), std::end({0}), rnnc::real(0));\n", cell);
        }
        // Sub-layers in file order: the recurrent ones on h (w*), then the input ones (u*).
        const size_t recurrent = lstm ? 4 : 3;
        std::vector<std::string> args;
        if (lp.fused_step) {
          for (size_t k = 0; k < l.dense.size(); ++k) {
            fold(l.dense[k], k >= recurrent && lp.one_hot_input);
            args.push_back("folded_" + member_name(l.dense[k]));
          }
          std::string xin = lp.one_hot_input ? "nullptr" : x, cin = lp.one_hot_input ? "c" : "0";
          std::string onehot_arg = lp.one_hot_input ? "true" : "false";
          if (lstm)
            s += fmt::format("    rnnc::lstm_step<k{}In, {}, {}>({}, {}, {}, {}, {});\n", C, out_const, onehot_arg,
                             fmt::join(args, ", "), xin, cin, h, cell);
          else
            s += fmt::format("    rnnc::gru_step<k{}In, {}, {}, {}>({}, {}, {}, {});\n", C, out_const, onehot_arg,
                             l.tanh ? "true" : "false", fmt::join(args, ", "), xin, cin, h);
        } else {
          if (x.empty()) {
            // One-hot input without the fused kernel: an explicit one-hot vector, as darknet has.
            members_ += "  rnnc::real onehot[kInputs] = {};\n";
            s += "    onehot[c] = 1;\n";
            x = "onehot";
          }
          for (const Dense& d : l.dense) args.push_back("params." + member_name(d));
          if (lstm)
            s += fmt::format("    rnnc::reference::lstm_step({}, {}, {}, {});\n", fmt::join(args, ", "), x, h, cell);
          else
            s += fmt::format("    rnnc::reference::gru_step({}, {}, {}, {});\n", fmt::join(args, ", "), x,
                             l.tanh ? "true" : "false", h);
        }
        s += fmt::format("    std::copy(std::begin({0}), std::end({0}), {1});  // the output is h\n", h, y);
        break;
      }
    }
    if (x == "onehot") s += "    onehot[c] = 0;\n";
    members_ += fmt::format("  rnnc::real {}[{}] = {{}};  // {}'s output\n", y, out_const, l.name);
    if (&l == &m_.layers.back()) s += fmt::format("    return {};\n", y);
    prev_y_ = y;
    prev_out_const_ = out_const;
  }

  void fold(const Dense& d, bool gather) {
    ++prepared_;  // -precision bf16 stores these weights in bf16 (rnnc/inference_kernels.h apply_precision)
    members_ += fmt::format("  rnnc::InferenceDense folded_{};  // {}{}\n", member_name(d), d.batch_norm ? "batch norm folded in" : "no batch norm",
                            gather ? ", stored [in][out] for the gather" : "");
    prepare_ += fmt::format("    folded_{0} = rnnc::{1}(params.{0});\n", member_name(d), gather ? "prepare_gather" : "prepare_dense");
  }

  static std::string describe(const Layer& l, const LayerPlan& lp) {
    switch (l.kind) {
      case LayerKind::Rnn:
        return lp.fused_step ? fmt::format("h = act(input({})) + act(self(h)){}, one fused kernel; y = act(output(h))",
                                           lp.one_hot_input ? "gathered row" : "x", l.shortcut ? " + h" : "")
                             : "input, self and output sub-layers as separate passes (reference)";
      case LayerKind::Connected:
        return lp.one_hot_input ? "y = act(W[:, c] + b), a gather" : "y = act(W x + b)";
      case LayerKind::Softmax:
        return fmt::format("softmax over {} group(s), with the temperature", l.groups);
      case LayerKind::Lstm:
        return lp.fused_step
                   ? fmt::format("f, i, o = logistic, g = tanh of (w* h + u* {}); c = c*f + i*g; h = tanh(c)*o, one fused "
                                 "kernel",
                                 lp.one_hot_input ? "gathered row" : "x")
                   : "eight gate sub-layers, gate sums, activations and state update as separate passes (reference)";
      case LayerKind::Gru:
        return lp.fused_step
                   ? fmt::format("z, r = logistic(u* {0} + w* h); hh = {1}(uh {0} + wh (r*h)); h = z*h + (1-z)*hh, "
                                 "fused kernel",
                                 lp.one_hot_input ? "gathered row" : "x", l.tanh ? "tanh" : "logistic")
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
