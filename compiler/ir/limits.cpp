#include "ir/limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace rnnc {

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

namespace {

// Bytes a training row needs per hidden unit (activations, pre-activations,
// batch-norm values, gradients): measured ~10 GB for rnn.train.cfg's 73,728
// rows through 3 x 1024 units (tests/e2e/test_all_cfgs.sh uses the same).
constexpr int64_t kTrainBytesPerRowUnit = 48;
// Per parameter in training: the weights, their gradients and momentum, in
// floats (adam keeps a second moment too).
constexpr int64_t kTrainBytesPerParam = 3 * 4;
constexpr int64_t kAdamBytesPerParam = 4;

// Sum of a * b over the terms, or nothing on overflow.
std::optional<int64_t> add_product(std::optional<int64_t> sum, int64_t a, int64_t b) {
  if (!sum) return std::nullopt;
  auto p = checked_mul(a, b);
  return p ? checked_add(*sum, *p) : std::nullopt;
}

}  // namespace

void check_model_limits(const Model& m) {
  const int64_t rows = m.net.batch, streams = m.net.streams;
  for (const Layer& l : m.layers) {
    // A recurrent layer keeps its state for every step and one more
    // (the initial one): (time_steps + 1) x streams x output.
    int64_t buffer_rows = rows + streams;
    auto elements = checked_mul(buffer_rows, l.outputs);
    if (!elements || *elements > kMaxTensorElements) {
      throw CompileError(
          l.loc, fmt::format("[{}] {}: output={} with {} rows per training batch ({} streams x {} steps, and the "
                             "initial state) gives a training buffer of {} elements; rnnc's limit is {} elements per "
                             "tensor: lower batch, time_steps or output",
                             layer_kind_name(l.kind), l.name, l.outputs, rows, streams, m.net.time_steps,
                             elements ? fmt::format("{}", *elements) : std::string("over 2^63"), kMaxTensorElementsText));
    }
  }
  MemoryNeeds need = estimate_memory(m);
  if (need.training_bytes > kMaxMemoryBytes || need.inference_bytes > kMaxMemoryBytes)
    throw CompileError(m.layers.back().loc,
                       fmt::format("the model needs more than {} TiB of memory to run; rnnc's limit is {} TiB",
                                   std::max(need.training_bytes, need.inference_bytes) >> 40, kMaxMemoryBytes >> 40));
}

MemoryNeeds estimate_memory(const Model& m) {
  std::optional<int64_t> params = 0, units = 0;
  for (const Layer& l : m.layers) {
    for (const Dense& d : l.dense) {
      params = add_product(params, d.in, d.out);
      params = add_product(params, d.out, d.batch_norm ? 4 : 1);
    }
    // Hidden units: what a training row's activations scale with (the output
    // layer's 256 included, which the measured figure did not count: generous).
    units = add_product(units, l.outputs, 1);
  }
  MemoryNeeds need;
  // Inference holds the weights as read and a folded copy of each.
  auto inference = add_product(0, params.value_or(-1), 2 * 4);
  auto training = add_product(0, params.value_or(-1), kTrainBytesPerParam + (m.net.adam ? kAdamBytesPerParam : 0));
  auto row_bytes = units ? checked_mul(*units, kTrainBytesPerRowUnit) : std::nullopt;
  training = row_bytes ? add_product(training, int64_t(m.net.batch) + m.net.streams, *row_bytes) : std::nullopt;
  need.inference_bytes = inference ? uint64_t(*inference) : UINT64_MAX;
  need.training_bytes = training ? uint64_t(*training) : UINT64_MAX;
  return need;
}

}  // namespace rnnc
