// The parameters of each layer kind with weights: its sub-layers, their order
// in darknet's weights file, and the order darknet's make_*_layer builds them
// in (and so draws rand() in, for init). One list per kind, which the CPU
// layer (<kind>.h) and its CUDA twin (<kind>.cuh) both derive from, so that
// the two cannot read a weights file differently.
#pragma once
#include <string>
#include <vector>

#include "../params.h"

namespace rnnc::layers {

struct ConnectedParams {
  DenseParams weights;
  ConnectedParams(const std::string& name, int in, int out, bool batch_norm) : weights(name, in, out, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&weights}; }
  std::vector<DenseParams*> in_build_order() { return {&weights}; }
};

struct RnnParams {
  DenseParams input, self, output;
  RnnParams(const std::string& name, int in, int h, bool batch_norm)
      : input(name + ".input", in, h, batch_norm),
        self(name + ".self", h, h, batch_norm),
        output(name + ".output", h, h, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&input, &self, &output}; }
  std::vector<DenseParams*> in_build_order() { return {&input, &self, &output}; }
};

struct LstmParams {
  DenseParams wi, wf, wo, wg, ui, uf, uo, ug;
  LstmParams(const std::string& name, int in, int h, bool batch_norm)
      : wi(name + ".wi", h, h, batch_norm),
        wf(name + ".wf", h, h, batch_norm),
        wo(name + ".wo", h, h, batch_norm),
        wg(name + ".wg", h, h, batch_norm),
        ui(name + ".ui", in, h, batch_norm),
        uf(name + ".uf", in, h, batch_norm),
        uo(name + ".uo", in, h, batch_norm),
        ug(name + ".ug", in, h, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&wi, &wf, &wo, &wg, &ui, &uf, &uo, &ug}; }
  std::vector<DenseParams*> in_build_order() { return {&uf, &ui, &ug, &uo, &wf, &wi, &wg, &wo}; }
};

struct GruParams {
  DenseParams wz, wr, wh, uz, ur, uh;
  GruParams(const std::string& name, int in, int h, bool batch_norm)
      : wz(name + ".wz", h, h, batch_norm),
        wr(name + ".wr", h, h, batch_norm),
        wh(name + ".wh", h, h, batch_norm),
        uz(name + ".uz", in, h, batch_norm),
        ur(name + ".ur", in, h, batch_norm),
        uh(name + ".uh", in, h, batch_norm) {}
  std::vector<DenseParams*> in_file_order() { return {&wz, &wr, &wh, &uz, &ur, &uh}; }
  // Each input sub-layer before its state twin.
  std::vector<DenseParams*> in_build_order() { return {&uz, &wz, &ur, &wr, &uh, &wh}; }
};

}  // namespace rnnc::layers
