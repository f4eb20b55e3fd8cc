#include "emit/emit_batch.h"

#include <fmt/format.h>

#include "emit/names.h"

namespace rnnc {

namespace {

// Batch kernels exist for the folded and fused forms only (a folded dense,
// a gathered or folded first layer, a fused [rnn] step, softmax), and the
// character reaches the first layer as c (OneHotGather): there is no batch
// one-hot vector. A model with any other op has no step_batch.
bool batchable(const Plan& plan) {
  for (const LayerOps& l : plan.layers)
    for (const Op& op : l.ops)
      if (op.kind != OpKind::DenseFolded && op.kind != OpKind::RnnStepFused && op.kind != OpKind::Softmax) return false;
  return true;
}

}  // namespace

std::string emit_batch_step(const Model& m, const Plan& plan) {
  std::string s = "\n  // ---- Inference for n samples at once (generate -n N): buffers are [features][n] ----\n";
  if (!batchable(plan)) {
    s += "  static constexpr bool kHasBatchStep = false;  // this model's layers have no batch kernels\n";
    s += "  void reset_batch(int) {}\n";
    s += "  const rnnc::real* step_batch(const unsigned char*) { return nullptr; }\n";
    return s;
  }
  std::string members, reset, step, panels;
  auto multiplied = [&](const std::string& dense) {  // a product of every step: its weights as panels
    panels += fmt::format("    rnnc::prepare_batch_weights(folded_{});\n", dense);
  };
  std::string x;  // the previous layer's batch output ("" for the characters)
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& l = m.layers[i];
    std::string C = camel(l.name), out = fmt::format("k{}Out", C);
    std::string y = l.name + "_yb";
    members += fmt::format("  std::vector<rnnc::real> {};\n", y);
    reset += fmt::format("    {}.assign(size_t({}) * n, rnnc::real(0));\n", y, out);
    step += fmt::format("    // [{}] {} ({})\n", layer_kind_name(l.kind), l.name, comment_text(l.loc.str()));
    for (const Op& op : plan.layers[i].ops) {
      switch (op.kind) {
        case OpKind::RnnStepFused: {
          std::string h = l.name + "_hb";
          members += fmt::format("  std::vector<rnnc::real> {};  // recurrent state, one column per sample\n", h);
          reset += fmt::format("    {}.assign(size_t({}) * n, rnnc::real(0));\n", h, out);
          step += fmt::format(
              "    rnnc::rnn_step_batch<k{0}In, {1}, {2}, {3}, {4}>(folded_{5}, folded_{6}, {7}, c, {8}.data(), n, "
              "batch_scratch);\n",
              C, out, act_enum(l.activation), l.shortcut ? "true" : "false", op.one_hot ? "true" : "false",
              member_name(l.dense[op.dense[0]]), member_name(l.dense[op.dense[1]]), x.empty() ? "nullptr" : x + ".data()",
              h);
          if (!op.one_hot) multiplied(member_name(l.dense[op.dense[0]]));
          multiplied(member_name(l.dense[op.dense[1]]));
          break;
        }
        case OpKind::DenseFolded: {
          const Dense& d = l.dense[op.dense[0]];
          if (d.input == DenseInput::State) {  // [rnn]'s output sub-layer, on the state
            std::string h = l.name + "_hb";
            step += fmt::format("    rnnc::dense_forward_batch<{0}, {0}, {1}>(folded_{2}, {3}.data(), {4}.data(), n);\n",
                                out, act_enum(l.activation), member_name(d), h, y);
          } else if (op.one_hot) {
            step += fmt::format("    rnnc::dense_gather_batch<k{}In, {}, {}>(folded_{}, c, {}.data(), n);\n", C, out,
                                act_enum(l.activation), member_name(d), y);
          } else {
            step += fmt::format("    rnnc::dense_forward_batch<k{}In, {}, {}>(folded_{}, {}.data(), {}.data(), n);\n", C,
                                out, act_enum(l.activation), member_name(d), x, y);
          }
          if (!op.one_hot) multiplied(member_name(d));
          break;
        }
        case OpKind::Softmax:
          step += fmt::format("    rnnc::softmax_batch<{}, {}>({}.data(), temperature, {}.data(), n);\n", out, l.groups,
                              x, y);
          break;
        default:
          break;  // batchable() admits no other op
      }
    }
    x = y;
  }
  s += "  static constexpr bool kHasBatchStep = true;\n";
  s += "  int batch_n = 0;\n" + members + "  std::vector<rnnc::real> batch_scratch;\n\n";
  s += "  // Sizes the batch buffers for n samples and zeroes their states; lays the\n";
  s += "  // weights of the products out as the batch kernel reads them.\n";
  s += "  void reset_batch(int n) {\n    batch_n = n;\n" + reset + panels + "  }\n\n";
  s += "  // Feeds character c[s] to sample s; returns the probabilities, [n][kInputs].\n";
  s += "  const rnnc::real* step_batch(const unsigned char* c) {\n    const int n = batch_n;\n" + step;
  s += fmt::format("    return {}.data();\n  }}\n", x);
  return s;
}

}  // namespace rnnc
