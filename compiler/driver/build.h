// Turns emitted source into a binary: writes it beside the runtime headers in
// a build folder and runs the host C++ compiler. Binaries are cached by a
// hash of everything that goes into them.
#pragma once
#include <string>

#include "ir/model.h"

namespace rnnc {

struct BuildOptions {
  std::string cxx = "c++";
  std::string output;        // the binary to write
  std::string blas_archive;  // a static OpenBLAS to link (-DRNNC_BLAS), or none
  bool use_cache = true;
  bool verbose = false;
};

// Whether the model has products big enough for OpenBLAS to beat rnnc's own
// kernels in training (runtime/rnnc/train/gemm.h's blas_wins): a sub-layer
// at least 512 wide in and out.
bool model_wants_blas(const Model& m);

// The static OpenBLAS the host compiler would link (libopenblas.a on its
// library path), or "" when it has none.
std::string find_static_openblas(const std::string& cxx);

// Writes SOURCE as DIR/program.cpp with the runtime under DIR/rnnc/ and a
// CMakeLists.txt that builds it without rnnc (linking a static OpenBLAS where
// it finds one, when `blas`).
void write_source_tree(const std::string& dir, const std::string& source, const std::string& model_name,
                       bool blas = false);

// Whether build_binary would take the binary from the cache: this exact
// source, runtime, compiler and flags were built before (so they compile).
bool binary_is_cached(const std::string& source, const std::string& model_name, const BuildOptions& opts);

// Throws CompileError when the compiler fails.
void build_binary(const std::string& source, const std::string& model_name, const BuildOptions& opts);

// The flags the host compiler gets (also written into the CMakeLists.txt).
std::string host_cxx_flags();

}  // namespace rnnc
