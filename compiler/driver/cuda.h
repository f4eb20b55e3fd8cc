// A CUDA build (rnnc --cuda): where the CUDA Toolkit is, how program.cu is
// compiled and linked beside program.cpp, and the --emit-only CMakeLists for
// such a program. The CPU unit is compiled exactly as in a CPU build.
#pragma once
#include <string>
#include <vector>

namespace rnnc {

struct CudaBuild {
  std::string source;   // program.cu's text; empty: not a CUDA build
  std::string nvcc;     // the compiler, found by find_cuda_toolkit
  std::string lib_dir;  // the toolkit's libraries (libcudart_static.a)
  // What the device code is compiled for: real architectures (SASS) and one
  // virtual one (PTX, which the driver compiles for newer GPUs at load).
  std::vector<std::string> real_archs = {"90"};
  std::string virtual_arch = "75";
  bool enabled() const { return !source.empty(); }
};

// Fills nvcc and lib_dir as CMake's CUDAToolkit looks for them: $CUDACXX,
// then $CUDAToolkit_ROOT/bin/nvcc, $CUDA_PATH/bin/nvcc, nvcc on the PATH,
// /usr/local/cuda/bin/nvcc. Throws CompileError (one line) where there is none.
void find_cuda_toolkit(CudaBuild& cuda);

// The model line's words for the device code: "GPU code for sm_90, PTX compute_75".
std::string cuda_target_text(const CudaBuild& cuda);

// nvcc's flags for program.cu (the host compiler's -D/-U/-I words of EXTRA
// go to it too, so that both units see the same macros).
std::vector<std::string> nvcc_flags(const CudaBuild& cuda, const std::vector<std::string>& extra);

// The libraries a CUDA program links after its objects: cudart, static.
std::vector<std::string> cuda_link_flags(const CudaBuild& cuda);

// The CMakeLists.txt of an --emit-only --cuda project: CUDA and C++, the
// CUDA Toolkit (CMake's CUDAToolkit, cudart static), nothing else.
std::string cuda_cmakelists(const CudaBuild& cuda, const std::string& target, const std::string& output_name,
                            const std::vector<std::string>& host_flags, const std::vector<std::string>& link_flags,
                            const std::string& link_blas);

}  // namespace rnnc
