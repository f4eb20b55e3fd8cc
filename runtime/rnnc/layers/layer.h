// What every layer kind shares: the backend tag, and the model-wide lists
// that the generated Model builds from its layers.
//
// A layer kind is one class template in layers/<kind>.h over its sizes and
// options (and, last, the backend). It owns its parameters (derived from its
// list in layers/params.h: darknet's weights-file and init orders, shared with
// its CUDA twin), its folded inference weights and its state, and one
// member function per IR op it can run (compiler/ir/ops.h), so the emitter
// renders an op as `layer.op(input)`:
//
//   static constexpr int kIn, kOut, kSublayers;
//   Kind(const std::string& name, bool batch_norm);  // sub-layers "rnn0.input", ...
//   std::vector<DenseParams*> in_file_order();       // darknet's weights-file order
//   std::vector<DenseParams*> in_build_order();      // the order darknet's init draws rand() in
//   real y[kOut];                                    // the output of the last step
//   void reset_state();
//   step / step_fused / dense / dense_folded / copy / softmax(...)   // the ops it has
//   void prepare_<op>(bool gather);                  // folds the weights an op reads folded
//   // n samples at once (generate -n), where the kind has batch kernels:
//   void reset_batch(int n); void <op>_batch(...); std::vector<real> yb;
//   // training over a batch of STEPS x STREAMS characters:
//   void train_begin(); void forward(x | chars); void backward(x, dx | chars);
//   (a kind that draws in training, [dropout], takes train_begin(train::Noise&): the
//   program's training generator; its row in the emitter's kinds table says `random`)
//   const real* train_output() const; real* delta();       // delta: -dL/d output, filled by the next layer
//
// Forward and backward sit side by side in the kind's header, with its plain
// reference (darknet's order of operations) beside the fast path. A CUDA
// backend adds layers/<kind>.cuh with the same class specialised on Cuda.
#pragma once
#include <vector>

#include "../params.h"

namespace rnnc::layers {

struct Cpu {};  // the backend every kind has: this file's headers

// The layers' lists, one after another (each layer's in turn).
template <class T, class... Lists>
std::vector<T> concatenated(const Lists&... lists) {
  std::vector<T> all;
  (all.insert(all.end(), lists.begin(), lists.end()), ...);
  return all;
}

// The parameters of all the layers, in darknet's weights-file order.
template <class... L>
std::vector<DenseParams*> in_file_order(L&... layers) {
  return concatenated<DenseParams*>(layers.in_file_order()...);
}

// The same in the order darknet's init draws their rand() numbers.
template <class... L>
std::vector<DenseParams*> in_build_order(L&... layers) {
  return concatenated<DenseParams*>(layers.in_build_order()...);
}

}  // namespace rnnc::layers
