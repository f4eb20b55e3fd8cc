#include "driver/cuda.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "diag.h"
#include "driver/build.h"  // cmake_quoted, run_shell, shell_quoted

namespace fs = std::filesystem;

namespace rnnc {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

bool executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

std::string nvcc_on_path() {
  const char* path = env("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && executable(fs::path(d) / "nvcc")) return (fs::path(d) / "nvcc").string();
  return "";
}

// What nvcc itself takes as its toolkit root ("#$ TOP=..." in its --dryrun listing): nvcc may be a
// wrapper script (/usr/local/bin/nvcc running /usr/local/cuda-13.0/bin/nvcc), which no link resolves.
fs::path nvcc_top(const std::string& nvcc) {
  std::string out;
  if (run_shell(shell_quoted(nvcc) + " --dryrun -c -x cu /dev/null -o /dev/null", out) != 0) return {};
  std::stringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("#$ TOP=", 0) == 0) {
      std::error_code ec;
      fs::path top = fs::weakly_canonical(line.substr(7), ec);
      return ec ? fs::path() : top;
    }
  return {};
}

fs::path cudart_dir(const fs::path& root) {
  std::error_code ec;
  for (const char* sub : {"lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"})
    if (!root.empty() && fs::exists(root / sub / "libcudart_static.a", ec)) return root / sub;
  return {};
}

}  // namespace

void find_cuda_toolkit(CudaBuild& cuda) {
  std::vector<std::string> tried;
  std::string nvcc;
  if (const char* c = env("CUDACXX")) {
    // Named explicitly: it must be there (as CMake treats it).
    if (!executable(c))
      throw CompileError(fmt::format("rnnc: error: --cuda: $CUDACXX is {}, which is not an executable nvcc", c));
    nvcc = c;
  }
  for (const char* var : {"CUDAToolkit_ROOT", "CUDA_PATH"})
    if (nvcc.empty())
      if (const char* root = env(var)) {
        fs::path p = fs::path(root) / "bin" / "nvcc";
        if (executable(p)) nvcc = p.string();
        tried.push_back(fmt::format("${}/bin/nvcc", var));
      }
  if (nvcc.empty()) nvcc = nvcc_on_path();
  if (nvcc.empty() && executable("/usr/local/cuda/bin/nvcc")) nvcc = "/usr/local/cuda/bin/nvcc";
  if (nvcc.empty())
    throw CompileError(
        "rnnc: error: --cuda needs the CUDA Toolkit's nvcc, and there is none ($CUDACXX, $CUDAToolkit_ROOT/bin, "
        "$CUDA_PATH/bin, the PATH, /usr/local/cuda/bin); install the CUDA Toolkit or build without --cuda");
  cuda.nvcc = nvcc;
  // The toolkit's root is nvcc's folder's parent (through links such as /usr/bin/nvcc), or else
  // the root nvcc reports (a wrapper script elsewhere on the PATH).
  std::error_code ec;
  fs::path root = fs::canonical(nvcc, ec).parent_path().parent_path();
  fs::path lib = cudart_dir(root);
  if (lib.empty()) {
    fs::path top = nvcc_top(nvcc);
    if (!top.empty()) root = top;
    lib = cudart_dir(root);
  }
  if (!lib.empty()) {
    cuda.lib_dir = lib.string();
    return;
  }
  throw CompileError(fmt::format("rnnc: error: --cuda: no libcudart_static.a in the CUDA Toolkit at {} (nvcc: {})",
                                 root.string(), nvcc));
}

std::string cuda_target_text(const CudaBuild& cuda) {
  std::string s = "GPU code for";
  for (size_t i = 0; i < cuda.real_archs.size(); ++i) s += (i ? ", sm_" : " sm_") + cuda.real_archs[i];
  return s + ", PTX compute_" + cuda.virtual_arch;
}

std::vector<std::string> nvcc_flags(const CudaBuild& cuda, const std::vector<std::string>& extra) {
  // --fmad=false: no fused multiply-adds, as the CPU unit's -ffp-contract=off,
  // so GPU sums round as the CPU's do (only their order differs).
  // -diag-suppress=177: the size constants the GPU path leaves unused (kBatch, ...).
  std::vector<std::string> flags = {"-std=c++17", "-O3", "--fmad=false", "-diag-suppress=177",
                                    "-Xcompiler=-O3,-ffp-contract=off,-fno-trapping-math,-pthread"};
  for (const std::string& a : cuda.real_archs) flags.push_back(fmt::format("-gencode=arch=compute_{0},code=sm_{0}", a));
  flags.push_back(fmt::format("-gencode=arch=compute_{0},code=compute_{0}", cuda.virtual_arch));
  for (size_t i = 0; i < extra.size(); ++i) {
    const std::string& f = extra[i];
    if ((f == "-D" || f == "-U" || f == "-I") && i + 1 < extra.size()) {
      flags.push_back(f);
      flags.push_back(extra[++i]);
    } else if (f.rfind("-D", 0) == 0 || f.rfind("-U", 0) == 0 || f.rfind("-I", 0) == 0) {
      flags.push_back(f);
    }
  }
  return flags;
}

// cuBLAS (GPU training) is not linked: the program loads libcublas.so.N when
// train runs on a GPU (rnnc/cuda/train.cuh), so that it starts, and trains
// on the CPU, where the toolkit is absent; the run path names the toolkit's
// library folder for that load.
std::vector<std::string> cuda_link_flags(const CudaBuild& cuda) {
  return {"-L" + cuda.lib_dir, "-lcudart_static", "-ldl", "-lrt", "-lpthread", "-Wl,-rpath," + cuda.lib_dir};
}

std::string cuda_cmakelists(const CudaBuild& cuda, const std::string& target, const std::string& output_name,
                            const std::vector<std::string>& host_flags, const std::vector<std::string>& link_flags,
                            const std::string& link_blas) {
  std::string archs;
  for (const std::string& a : cuda.real_archs) archs += a + "-real ";
  archs += cuda.virtual_arch + "-virtual";  // a CMake list, unquoted: the names are [0-9a-z-] only
  std::string cxx, link;
  for (const std::string& f : host_flags) cxx += (cxx.empty() ? "" : " ") + cmake_quoted(f);
  for (const std::string& f : link_flags) link += (link.empty() ? "" : " ") + cmake_quoted(f);
  return fmt::format(
      "# Builds the program rnnc generated (CPU and GPU paths), without rnnc: needs the CUDA Toolkit\n"
      "# and a C++17 compiler. -DCMAKE_CUDA_ARCHITECTURES=native builds for this machine's GPU.\n"
      "cmake_minimum_required(VERSION 3.18)\n"
      "if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)\n  set(CMAKE_CUDA_ARCHITECTURES {3})\nendif()\n"
      "project({0} LANGUAGES CXX CUDA)\n"
      "if(NOT CMAKE_BUILD_TYPE)\n  set(CMAKE_BUILD_TYPE Release)\nendif()\n"
      "find_package(CUDAToolkit REQUIRED)\n"
      "# program.cpp first: the CPU path is a CPU build's, and its objects come first at the link.\n"
      "add_executable({0} program.cpp program.cu)\n"
      "set_target_properties({0} PROPERTIES OUTPUT_NAME {1} LINKER_LANGUAGE CXX CUDA_RUNTIME_LIBRARY Static)\n"
      "target_include_directories({0} PRIVATE ${{CMAKE_CURRENT_SOURCE_DIR}})\n"
      "set(RNNC_CXX_FLAGS {2})\n"
      "set(RNNC_CUDA_FLAGS --fmad=false -diag-suppress=177 -Xcompiler=-O3,-ffp-contract=off,-fno-trapping-math,-pthread)\n"
      "target_compile_options({0} PRIVATE \"$<$<COMPILE_LANGUAGE:CXX>:${{RNNC_CXX_FLAGS}}>\"\n"
      "                       \"$<$<COMPILE_LANGUAGE:CUDA>:${{RNNC_CUDA_FLAGS}}>\")\n"
      "set_property(TARGET {0} PROPERTY CUDA_STANDARD 17)\n"
      "target_link_libraries({0} PRIVATE CUDA::cudart_static ${{CMAKE_DL_LIBS}})\n"
      "# train on a GPU loads cuBLAS at run time (libcublas.so.N): the toolkit's library folder in the run path.\n"
      "set_target_properties({0} PROPERTIES BUILD_RPATH \"${{CUDAToolkit_LIBRARY_DIR}}\" INSTALL_RPATH \"${{CUDAToolkit_LIBRARY_DIR}}\")\n"
      "target_link_options({0} PRIVATE {4})\n{5}",
      target, cmake_quoted(output_name), cxx, archs, link, link_blas);
}

}  // namespace rnnc
