// What rnnc can build, in one place: the sizes and counts a cfg may ask for,
// checked in 64-bit arithmetic so that nothing wraps on the way, and the
// memory a program's commands will need (which the program compares with the
// machine's before it allocates anything: runtime/rnnc/host_check.h).
// (lower() checks the cfg against them as it reads it.)
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "ir/model.h"

namespace rnnc {

// The runtime indexes a tensor with int: a weight matrix (one sub-layer's
// in x out) or a training buffer (rows x width) holds at most this many elements.
constexpr int64_t kMaxTensorElements = 2147483647;  // 2^31-1
constexpr const char* kMaxTensorElementsText = "2^31-1";

// Rows of a training batch (streams x time_steps): a training buffer is rows
// x width and the one-hot input is rows x inputs, so rows alone stay well
// inside kMaxTensorElements.
constexpr int64_t kMaxBatchRows = 8388607;  // 2^23-1 = (2^31-1) / 256
constexpr const char* kMaxBatchRowsText = "2^23-1";

// Batch counts ([net] max_batches, step, burn_in and steps=) are ints in the
// program: from 0 to this.
constexpr int64_t kMaxBatchCount = 2147483647;

// Bytes of memory a command may need at most: no machine has more, and
// anything below it fits in 64 bits with room to spare.
constexpr uint64_t kMaxMemoryBytes = uint64_t(1) << 50;  // 1 PiB

// a * b and a + b for non-negative 64-bit counts, or nothing when they overflow.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<int64_t> checked_add(int64_t a, int64_t b);

// Throws CompileError at the cfg line responsible for the first size that
// cannot run: a sub-layer's weight matrix over kMaxTensorElements, a batch
// over kMaxBatchRows rows, a training buffer over kMaxTensorElements, or a
// model needing more than kMaxMemoryBytes. (lower() checks the rest as it
// reads: weight matrices at their output= line, batch rows at [net].)
void check_model_limits(const Model& m);

// What a program's commands need, estimated from the sizes (bytes):
// inference (generate, valid, probs, init): the weights as read, plus the
// folded copy the fast kernels use; training: weights, their gradients,
// momentum (and adam's second moment), plus one batch's activations and
// gradients (~48 bytes a row per hidden unit, measured on rnn.train.cfg).
struct MemoryNeeds {
  uint64_t inference_bytes = 0;
  uint64_t training_bytes = 0;
};
MemoryNeeds estimate_memory(const Model& m);

}  // namespace rnnc
