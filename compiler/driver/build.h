// Turns emitted source into a binary: writes it beside the runtime headers in
// a build folder and runs the host C++ compiler. Binaries are cached by a
// hash of everything that goes into them.
#pragma once
#include <string>
#include <vector>

#include "driver/cuda.h"
#include "ir/model.h"

namespace rnnc {

struct BuildOptions {
  std::string cxx = "c++";
  std::string march = "native";          // -march=: the CPU the program is built for
  std::vector<std::string> extra_flags;  // --cxxflags and $RNNC_CXXFLAGS, appended, one word each
  std::string output;        // the binary to write
  std::string blas_archive;  // a static OpenBLAS to link (-DRNNC_BLAS), or none
  bool dnnl = false;         // link Debian's shared oneDNN (-DRNNC_DNNL -ldnnl): `rnnc --dnnl`
  bool use_cache = true;
  bool verbose = false;
  CudaBuild cuda;  // rnnc --cuda: program.cu beside program.cpp (driver/cuda.h)
};

// Whether the model has products big enough for OpenBLAS to beat rnnc's own
// kernels in training (runtime/rnnc/product_plan.h's fixed_kernel): a sub-layer at least
// kBlasMinWidth (rnnc/vocabulary.h) wide in and out.
bool model_wants_blas(const Model& m);

// The static OpenBLAS the host compiler would link (libopenblas.a on its
// library path), or "" when it has none.
std::string find_static_openblas(const std::string& cxx);

// "" when the compiler CXX finds oneDNN (oneapi/dnnl/dnnl.hpp and
// libdnnl.so), else what it lacks, for the one line --dnnl fails with.
std::string missing_dnnl(const std::string& cxx);

// The plan's probe (templates/plan_probe.cpp.tmpl) built with OPTS's
// compiler, flags and libraries, from the cache when it was built before;
// returns its path. Its key: a hash of all that goes into it.
std::string plan_probe(const BuildOptions& opts);
std::string plan_probe_key(const BuildOptions& opts);

// The cache folder (RNNC_CACHE, ...), made if need be.
std::string cache_folder();

// Runs CMD with /bin/sh, its output and errors into OUTPUT; its exit status.
int run_shell(const std::string& cmd, std::string& output);

// S as one word for /bin/sh (in single quotes).
std::string shell_quoted(const std::string& s);

// Writes SOURCE as DIR/program.cpp with the runtime under DIR/rnnc/ and a
// CMakeLists.txt that builds it without rnnc (linking a static OpenBLAS where
// it finds one, when `blas`).
void write_source_tree(const std::string& dir, const std::string& source, const std::string& model_name,
                       const BuildOptions& opts, bool blas = false);

// Whether build_binary would take the binary from the cache: this exact
// source, runtime, compiler and flags were built before (so they compile).
bool binary_is_cached(const std::string& source, const std::string& model_name, const BuildOptions& opts);

// Throws CompileError (one line) unless a program can be written to OUTPUT:
// not a folder, and in a folder that exists.
void check_output_path(const std::string& output);
// Throws CompileError when DIR exists as something other than a folder.
void check_emit_dir(const std::string& dir);

// Throws CompileError when the compiler fails, or when the cache or the
// output cannot be written (one line each). Build folders of dead rnnc
// processes (KEY.build.PID, over a minute old) are removed first.
void build_binary(const std::string& source, const std::string& model_name, const BuildOptions& opts);

// The signal (SIGINT, SIGTERM, SIGHUP) that stopped a build, or 0: rnnc
// passes it on to the compiler it runs, cleans up, and should then die of it.
int stop_signal();

// The flags the host compiler gets (also written into the CMakeLists.txt):
// ours, -march=OPTS.march, then OPTS.extra_flags.
std::vector<std::string> host_cxx_flags(const BuildOptions& opts);

// The flags Clang's in-process check parses with: ours and -march, plus the
// -D/-U/-I/-std words of the extra flags (the rest may be GCC's own).
std::vector<std::string> check_cxx_flags(const BuildOptions& opts);

// Splits a flags string into words at blanks; '...' and "..." group words
// with blanks in them. Throws CompileError on an unclosed quote.
std::vector<std::string> split_flags(const std::string& text, const std::string& what);

// CMake quoting for the --emit-only CMakeLists.txt: a quoted argument whose
// value is exactly TEXT (no variable reference, list separator or end of
// argument inside), a project/target name made of [A-Za-z0-9_] only, and the
// program's file name as the CMake build writes it.
std::string cmake_quoted(const std::string& text);
std::string cmake_identifier(const std::string& name);
std::string cmake_output_name(const std::string& name);  // '_' for what a Makefile cannot name

// How many units a program compiles as: 2 (at once, then linked) where at
// least a core and a half went unused over the last minute, else 1;
// $RNNC_COMPILE_UNITS (1 or 2) decides instead.
int compile_units();

// Throws CompileError unless ARCH is a plausible -march= value (letters,
// digits, '-', '_', '.'), so it can go into a command line and a CMakeLists.
void check_march_name(const std::string& arch);
// check_march_name, then asks the compiler CXX whether it knows ARCH.
void check_march_known(const std::string& cxx, const std::string& arch);

}  // namespace rnnc
