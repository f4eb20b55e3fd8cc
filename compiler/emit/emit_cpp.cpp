#include "emit/emit_cpp.h"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <stdexcept>

#include "emit/embedded.h"
#include "emit/layer_table.h"
#include "emit/net_config.h"
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


// The one walker: for each layer, its constants, one member (the kind's
// class template, from the kinds table) and the calls of its ops (from the
// ops table), chained through each layer's output; the template owns the
// rest of the file.
class Emitter {
 public:
  Emitter(const Model& m, const Plan& p, const EmitOptions& o) : m_(m), p_(p), o_(o) {}

  void walk() {
    if (p_.layers.size() != m_.layers.size()) throw std::logic_error("emit: the IR has not one op list per layer");
    batchable_ = batchable();
    for (size_t i = 0; i < m_.layers.size(); ++i) layer(m_.layers[i], p_.layers[i]);
  }

  // The GPU path of a CUDA build: the same walk's constants, its CUDA
  // members and chains (rnnc/layers/*.cuh have the same op names).
  std::string run_cuda() {
    walk();
    std::string includes;
    for (const std::string& h : cuda_headers_) includes += fmt::format("#include \"{}\"\n", h);
    return fill_template(embedded_file("templates/program.cu.tmpl"),
                         {{"CFG", comment_text(m_.cfg_path)},
                          {"SUMMARY", comment_text(m_.summary())},
                          {"INCLUDES", includes},
                          {"NAMESPACE", "model_" + identifier(m_.name)},
                          {"CONSTANTS", constants_},
                          {"INFO", info(string_literal(o_.cuda_target))},
                          {"LAYERS", cuda_members_},
                          {"LAYER_LIST", fmt::format("{}", fmt::join(names_, ", "))},
                          {"TEMPERATURE", float_literal(m_.layers.back().kind == LayerKind::Softmax
                                                            ? m_.layers.back().temperature
                                                            : 1.f)},
                          {"PREPARE", cuda_prepare_},
                          {"RESET", reset_},
                          {"STEP", cuda_step_},
                          {"RESET_BATCH", cuda_reset_batch_},
                          {"STEP_BATCH", cuda_step_batch_},
                          {"PERSISTENT_MEMBERS", persistent_members_},
                          {"PERSISTENT_LOAD", persistent_load_},
                          {"PERSISTENT_STEP", persistent_step_},
                          {"PERSISTENT_BUILD", persistent_build_},
                          {"NET_CONFIG", emit_net_config(m_)},
                          {"TRAIN_BEGIN", train_begin_},
                          {"FORWARD", forward_},
                          {"BACKWARD", clear_ + backward_}});
  }

  std::string run() {
    walk();
    // The instruction sets the compiler was allowed (rnnc/host_check.h's RNNC_BUILT_ISA).
    const std::string cpu_backend = string_literal("built for -march=" + o_.march + " (") + " RNNC_BUILT_ISA \")\"";
    std::string passes = p_.applied.empty() ? "none (plain reference kernels)" : fmt::format("{}", fmt::join(p_.applied, ", "));
    std::string ns = "model_" + identifier(m_.name);
    const Layer& last = m_.layers.back();
    std::string includes;
    for (const std::string& h : headers_) includes += fmt::format("#include \"{}\"\n", h);
    if (!batchable_) {
      reset_batch_ = "    (void)n;  // this model's layers have no batch kernels\n";
      step_batch_ = "    (void)c;\n    return nullptr;\n";
    } else {
      step_batch_ += fmt::format("    return {}.yb.data();\n", last.name);
    }
    return fill_template(embedded_file("templates/program.cpp.tmpl"),
                         {{"CFG", comment_text(m_.cfg_path)},
                          {"SUMMARY", comment_text(m_.summary())},
                          {"PASSES", passes},
                          {"INCLUDES", includes},
                          {"NAMESPACE", ns},
                          {"CONSTANTS", constants_ + (o_.products ? plan_constants(*o_.products) : "")},
                          {"INFO", info(cpu_backend)},
                          {"NET_CONFIG", emit_net_config(m_)},
                          {"LAYERS", members_},
                          {"LAYER_LIST", fmt::format("{}", fmt::join(names_, ", "))},
                          {"TEMPERATURE", float_literal(last.kind == LayerKind::Softmax ? last.temperature : 1.f)},
                          {"PREPARE", prepare_},
                          {"RESET", reset_},
                          {"STATES", states_},
                          {"STEP", step_},
                          {"FIRST_OUTPUTS", fmt::format("k{}Out", camel(m_.layers.front().name))},
                          {"FIRST_LAYER", m_.layers.front().name},
                          {"HAS_BATCH", batchable_ ? "true" : "false"},
                          {"RESET_BATCH", reset_batch_},
                          {"STEP_BATCH", step_batch_},
                          {"TRAIN_BEGIN", train_begin_},
                          {"FORWARD", forward_},
                          {"BACKWARD", clear_ + backward_},
                          {"MAIN", main_function(ns)}});
  }

 private:
  static std::string identifier(const std::string& s) {
    std::string out;
    for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return out;
  }

  // Batch kernels (generate -n) exist for the folded and fused forms the ops
  // table marks, and the character must reach the first layer as c
  // (OneHotGather): there is no batch one-hot vector.
  bool batchable() const {
    for (const LayerOps& l : p_.layers)
      for (const Op& op : l.ops)
        if (!op_render(op.kind).batch) return false;
    return true;
  }

  // ModelInfo's fields, one assignment each (the template wraps them in a
  // lambda): named, so that no value lands in the wrong field, in plain C++17.
  std::string info(const std::string& backend) const {
    std::string s;
    auto field = [&](const char* name, const std::string& value) { s += fmt::format("      m.{} = {};\n", name, value); };
    field("name", string_literal(m_.name));
    field("cfg", string_literal(m_.cfg_path));
    field("inputs", "kInputs");
    field("init_rand_calls", fmt::format("{}ull", m_.init_rand_calls()));
    field("parameters", fmt::format("{}ull", m_.parameters()));
    field("summary", string_literal(m_.summary()));
    field("backend", backend);  // what the code was built for: the CPU's -march, or the GPU code's targets
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
        "RNNC_CHECK_CPU_AT_START(kHostNeeds)\n\n{}"
        "int main(int argc, char** argv) {{\n"
        "  rnnc::check_host_memory(kHostNeeds, argc, argv);\n{}{}"
        "  return rnnc::run_program<{}::Model>(argc, argv);\n"
        "}}\n",
        string_literal(m_.name), string_literal(o_.march), need.inference_bytes, need.training_bytes,
        o_.cuda ? "// The GPU path (program.cu): runs the command on a GPU and returns its exit status, or\n"
                  "// returns -1 (after taking -i and -nogpu out of argv) for the CPU path to run it.\n"
                  "int rnnc_cuda_main(int* argc, char** argv);\n\n"
                : "",
        o_.products && !o_.products->products.empty()
            ? fmt::format("  rnnc::use_product_plan({}::kProductPlan);  // the kernel of each training product\n", ns)
            : "",
        o_.cuda ? "  if (int rc = rnnc_cuda_main(&argc, argv); rc >= 0) return rc;\n" : "", ns);
  }

  // One layer: its constants, its member, and its part of every chain.
  void layer(const Layer& l, const LayerOps& lo) {
    const KindRender& kind = kind_render(l.kind);
    const std::string C = camel(l.name), name = l.name;
    std::string in_const = prev_.empty() ? "kInputs" : fmt::format("k{}Out", camel(prev_));
    if (l.index == 0) {
      constants_ += fmt::format("constexpr int kInputs = {};  // bytes the model reads\n", m_.net.inputs);
      constants_ += fmt::format("constexpr int kTimeSteps = {};  // characters per stream in a training batch\n", m_.net.time_steps);
      constants_ += fmt::format("constexpr int kStreams = {};  // text streams per batch (batch / time_steps)\n", m_.net.streams);
      constants_ += "constexpr int kRows = kTimeSteps * kStreams;\n";
      constants_ += "constexpr int kBatch = kRows;  // darknet's effective batch\n";
    }
    const std::string where = fmt::format("[{}] {}, {}", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()));
    constants_ += fmt::format("// {}\n", where);
    constants_ += fmt::format("constexpr int k{}In = {};\n", C, in_const);
    constants_ += fmt::format("constexpr int k{}Out = {};\n", C, l.outputs);

    std::string options = kind.options(l);
    members_ += fmt::format("  {}<k{}In, k{}Out, {}kTimeSteps, kStreams> {}{{\"{}\", /*batch_norm=*/{}}};\n", kind.type, C,
                            C, options.empty() ? "" : options + ", ", name, name, l.batch_normalize ? "true" : "false");
    const std::string cuda_type = fmt::format("{}<k{}In, k{}Out, {}kTimeSteps, kStreams, rnnc::layers::Cuda>", kind.type,
                                              C, C, options.empty() ? "" : options + ", ");
    cuda_members_ += fmt::format("  {} {}{{\"{}\", /*batch_norm=*/{}}};\n", cuda_type, name, name,
                                 l.batch_normalize ? "true" : "false");
    // The persistent kernel's chain (templates/program.cu.tmpl's PersistentNet): the first layer reads the character.
    const bool first = prev_.empty();
    persistent_members_ += fmt::format("    {}::Persistent {};\n", cuda_type, name);
    persistent_load_ += fmt::format("      {}.load_rows(c);\n", name);
    persistent_step_ += fmt::format("      y = {}.run(c, grid, {}, t);  // [{}]\n", name, first ? "nullptr, in" : "y, {}",
                                    layer_kind_name(l.kind));
    persistent_build_ += fmt::format("    {0}.persistent(persistent_net.{0}, list, /*gathered=*/{1}{2});\n", name,
                                     first ? "true" : "false", kind.loss ? ", temperature" : "");
    cuda_prepare_ += fmt::format("    {}.prepare_device();\n", name);
    cuda_reset_batch_ += fmt::format("    {}.reset_batch(n);\n", name);
    bool known_cuda = false;
    for (const std::string& h : cuda_headers_) known_cuda |= h == kind.cuda_header;
    if (!known_cuda) cuda_headers_.push_back(kind.cuda_header);
    names_.push_back(name);
    bool known = false;
    for (const std::string& h : headers_) known |= h == kind.header;
    if (!known) headers_.push_back(kind.header);
    reset_ += fmt::format("    {}.reset_state();\n", name);
    // Its recurrent state, member by member (the kinds table's `state`):
    // named after the layer, and the member where the kind has more than one.
    if (kind.state) {
      std::vector<std::string> members;
      for (const char* p = kind.state; *p;) {
        const char* e = std::strchr(p, ' ');
        if (!e) e = p + std::strlen(p);
        members.emplace_back(p, e);
        p = *e ? e + 1 : e;
      }
      for (const std::string& mem : members)
        states_ += fmt::format("    s.push_back({{{}, {}, {}, {}, {}.{}, k{}Out}});\n",
                               string_literal(members.size() > 1 ? name + "." + mem : name), string_literal(name),
                               string_literal(layer_kind_name(l.kind)), string_literal(mem), name, mem, C);
    }

    // One character: the ops' calls.
    const std::string comment = fmt::format("    // [{}] {} ({}): {}\n", layer_kind_name(l.kind), l.name,
                                            comment_text(l.loc.str()), describe(l, lo));
    step_ += comment;
    cuda_step_ += comment;
    cuda_step_batch_ += comment;
    if (o_.inject_error_in_layer == l.index)
      step_ += fmt::format("    rnnc_injected_error_for_{}();  // test-only: a line that does not compile\n", l.name);
    std::string x = prev_.empty() ? "" : prev_ + ".y";
    std::string cuda_x = x, cuda_xb = x;  // the GPU path reads a one-hot input as its character c (cs: n samples')
    bool one_hot_vector = false;
    if (batchable_) step_batch_ += fmt::format("    // {}\n", where);
    for (const Op& op : lo.ops) {
      if (op.kind == OpKind::OneHot) {
        members_ += "  rnnc::real onehot[kInputs] = {};  // the plain path's input: character c as darknet's one-hot vector\n";
        step_ += "    onehot[c] = 1;\n";
        x = "onehot";
        cuda_x = "c";
        cuda_xb = "cs";
        one_hot_vector = true;
        continue;
      }
      if (x.empty() && reads_x(l, op))
        throw CompileError(l.loc, fmt::format("a [{}] cannot be the first layer", layer_kind_name(l.kind)));
      const OpRender& r = op_render(op.kind);
      if (op_info(op.kind).folded) {
        prepare_ += fmt::format("    {}.prepare_{}(/*gather=*/{});\n", name, r.method, op.one_hot ? "true" : "false");
        prepared_ += static_cast<int>(op.dense.size());  // -precision bf16 stores these in bf16
      }
      step_ += fmt::format("    {}.{}({});\n", name, r.method, arguments(l, op, x, "c"));
      cuda_step_ += fmt::format("    {}.{}({});\n", name, r.method, arguments(l, op, cuda_x, "c"));
      cuda_step_batch_ += fmt::format("    {}.{}({});\n", name, r.method, arguments(l, op, cuda_xb, "cs"));
      if (batchable_)
        step_batch_ += fmt::format("    {}.{}_batch({});\n", name, r.method,
                                   arguments(l, op, prev_.empty() ? "" : prev_ + ".yb.data()", "c"));
    }
    if (one_hot_vector) step_ += "    onehot[c] = 0;\n";
    if (&l == &m_.layers.back()) {
      step_ += fmt::format("    return {}.y;\n", name);
      cuda_step_ += fmt::format("    return {}.to_host();\n", name);
      cuda_step_batch_ += fmt::format("    return {}.to_host();\n", name);
    }
    if (batchable_) reset_batch_ += fmt::format("    {}.reset_batch(n);\n", name);

    // Training: forward in order, backward in reverse.
    train_begin_ += fmt::format("    {}.train_begin({});\n", name, kind.random ? "noise" : "");
    forward_ += fmt::format("    // {}\n", where);
    if (kind.loss) {
      if (prev_.empty()) throw CompileError(l.loc, "a [softmax] cannot be the first layer");
      forward_ += fmt::format("    return {}.loss({}.train_output(), truth, temperature, {}.delta());\n", name, prev_, prev_);
    } else {
      forward_ += fmt::format("    {}.forward({});\n", name, prev_.empty() ? "x" : prev_ + ".train_output()");
      backward_ = fmt::format("    // {}\n    {}.backward({});\n", where, name,
                              prev_.empty() ? "x" : fmt::format("{0}.train_output(), {0}.delta()", prev_)) +
                  backward_;
      // The layer adds into the deltas of the one before; they start at zero.
      if (!prev_.empty()) clear_ += fmt::format("    {}.clear_delta();\n", prev_);
    }
    prev_ = name;
  }

  // An op's arguments: nothing for an op on the layer's own state, the
  // character c where it reads a gathered row, else the input x.
  static bool on_state(const Layer& l, const Op& op) {
    return op.kind == OpKind::CopyState || ((op.kind == OpKind::Dense || op.kind == OpKind::DenseFolded) &&
                                            l.dense[op.dense[0]].input == DenseInput::State);
  }
  static bool reads_x(const Layer& l, const Op& op) { return !on_state(l, op) && !op.one_hot; }
  static std::string arguments(const Layer& l, const Op& op, const std::string& x, const std::string& c) {
    std::string a = on_state(l, op) ? "" : op.one_hot ? c : x;
    if (op.kind == OpKind::Softmax) a += ", temperature";
    return a;
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
      case LayerKind::Dropout:
        return fmt::format("y = x; in training, drops each element with probability {} and scales the rest", l.probability);
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
  bool batchable_ = false;
  std::string constants_, members_, prepare_, reset_, states_, step_, reset_batch_, step_batch_, train_begin_, forward_, clear_,
      backward_, prev_;
  std::string cuda_members_, cuda_prepare_, cuda_step_, cuda_reset_batch_, cuda_step_batch_;  // the GPU path's (run_cuda)
  std::string persistent_members_, persistent_load_, persistent_step_, persistent_build_;  // its persistent kernel's
  std::vector<std::string> names_, headers_, cuda_headers_;
  int prepared_ = 0;  // sub-layers whose weights are prepared for inference (InferenceDense)
};

}  // namespace

std::string emit_cpp(const Model& m, const Plan& plan, const EmitOptions& opts) { return Emitter(m, plan, opts).run(); }

std::string emit_cuda(const Model& m, const Plan& plan, const EmitOptions& opts) {
  return Emitter(m, plan, opts).run_cuda();
}

}  // namespace rnnc
