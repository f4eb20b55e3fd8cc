// A CUDA build's device choice (rnnc --cuda): the program holds the CPU path
// (program.cpp, exactly a CPU build's) and the GPU path (program.cu, this
// file and layers/*.cuh). main() asks run_on_device first; it takes darknet's
// -i N (the GPU, default 0) and -nogpu out of argv and runs generate, valid,
// probs and train on the GPU where one is usable, else returns kRunOnCpu and
// main runs the CPU path on what is left of argv.
#pragma once
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../commands/generate.h"
#include "../commands/probs.h"
#include "../commands/train.h"
#include "../commands/valid.h"
#include "../error.h"
#include "../flags.h"
#include "../model.h"
#include "train.cuh"
#include "update.cuh"

namespace rnnc::cuda {

constexpr int kRunOnCpu = -1;

struct DeviceFlags {
  int index = 0;       // -i N
  bool nogpu = false;  // -nogpu
};

// Takes -i N and -nogpu out of argv (from argv[2] on, the command's flags),
// as darknet reads them wherever they stand.
inline DeviceFlags take_device_flags(int& argc, char** argv) {
  DeviceFlags d;
  bool seen_i = false;
  int out = 2;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-nogpu")) {
      d.nogpu = true;
    } else if (!std::strcmp(argv[i], "-i")) {
      if (seen_i) fail("flag -i is given twice");
      if (i + 1 >= argc) fail("flag -i needs a value (the GPU's index, from 0)");
      char* end = nullptr;
      long v = std::strtol(argv[i + 1], &end, 10);
      if (!*argv[i + 1] || *end || v < 0 || v > 1023)
        fail("flag -i expects the GPU's index (an integer from 0), got '%s'", argv[i + 1]);
      d.index = static_cast<int>(v);
      seen_i = true;
      ++i;
    } else {
      argv[out++] = argv[i];
    }
  }
  if (argc > 2) {
    argc = out;
    argv[argc] = nullptr;
  }
  return d;
}

// A kernel that does nothing: whether it has an image for the device (this
// program's code was compiled for sm_90 and as PTX for compute_75 and up).
__global__ void probe_kernel() {}

// Whether the NVIDIA driver's library is installed at all.
inline bool has_driver() {
  void* h = dlopen("libcuda.so.1", RTLD_LAZY);
  if (h) dlclose(h);
  return h != nullptr;
}

// The name of GPU `index` where the driver and the device are usable, else
// "" with the reason in why.
inline std::string usable_device(int index, std::string& why) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    // Without a driver at all cudart says "driver version is insufficient": say what is missing instead.
    if (e == cudaErrorInsufficientDriver && !has_driver())
      why = "no NVIDIA driver: libcuda.so.1 not found";
    else
      why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e);
    return "";
  }
  if (count == 0) {
    why = "no device found";
    return "";
  }
  if (index >= count) {
    why = "-i " + std::to_string(index) + ", but the devices are 0.." + std::to_string(count - 1);
    return "";
  }
  cudaDeviceProp p;
  if ((e = cudaSetDevice(index)) != cudaSuccess || (e = cudaGetDeviceProperties(&p, index)) != cudaSuccess) {
    why = std::string("device ") + std::to_string(index) + ": " + cudaGetErrorString(e);
    return "";
  }
  cudaFuncAttributes a;
  if ((e = cudaFuncGetAttributes(&a, probe_kernel)) != cudaSuccess) {
    why = std::string(p.name) + " (compute capability " + std::to_string(p.major) + "." + std::to_string(p.minor) +
          "): " + cudaGetErrorString(e);
    return "";
  }
  return p.name;
}

// The value of flag NAME in argv[2..], or "".
inline std::string flag_value(int argc, char** argv, const char* name) {
  for (int i = 2; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], name)) return argv[i + 1];
  return "";
}

// train -precision on the GPU (fp32, tf32 or bf16), taken out of argv: the
// CPU trainer's own flag knows fp32 and bf16 only.
inline TrainMath take_train_precision(int& argc, char** argv) {
  TrainMath m = TrainMath::Fp32;
  int out = 2;
  bool seen = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "-precision") != 0) {
      argv[out++] = argv[i];
      continue;
    }
    if (seen) fail("flag -precision is given twice");
    if (i + 1 >= argc) fail("flag -precision needs a value (fp32, tf32 or bf16)");
    const std::string v = argv[++i];
    if (v == "fp32") m = TrainMath::Fp32;
    else if (v == "tf32") m = TrainMath::Tf32;
    else if (v == "bf16") m = TrainMath::Bf16;
    else fail("train: -precision is fp32, tf32 or bf16 on the GPU, got '%s'", v.c_str());
    seen = true;
  }
  argc = out;
  argv[argc] = nullptr;
  return m;
}

// train on the GPU: the CPU's driver (commands/train.h) over CudaModel, the
// products through cuBLAS in the -precision asked for.
template <class CudaModel>
int train_on_device(int* argc, char** argv) {
  const char* name = CudaModel::info().name;
  std::string why;
  if (!blas().load(why)) {
    std::fprintf(stderr, "%s: no usable cuBLAS (%s): training on the CPU\n", name, why.c_str());
    run_device().kind = "cpu";
    run_device().note = " (no cuBLAS)";
    return kRunOnCpu;
  }
  blas().math = take_train_precision(*argc, argv);
  if (blas().math == TrainMath::Tf32)
    std::fprintf(stderr, "train: the products in TF32 on the GPU (cuBLAS, fp32 sums and master weights)\n");
  else if (blas().math == TrainMath::Bf16)
    std::fprintf(stderr, "train: the products on bf16 operands on the GPU (cuBLAS, fp32 sums and master weights)\n");
  Flags f(*argc, argv, 2);
  return cmd_train<CudaModel>(f);
}

template <class CudaModel>
int run_on_device(int* argc, char** argv) {
  run_device().usage =
      "\nthis program was built with a GPU path (rnnc --cuda): generate, valid, probs and train run on an NVIDIA GPU\n"
      "  -i N     the GPU to run on (default 0)\n"
      "  -nogpu   run on the CPU\n"
      "  where no GPU is usable they say so in one line and run on the CPU\n"
      "  train -precision fp32|tf32|bf16 on the GPU: the products' arithmetic (fp32 master weights)\n";
  if (*argc < 2) return kRunOnCpu;
  const DeviceFlags d = take_device_flags(*argc, argv);
  const std::string cmd = argv[1];
  const char* name = CudaModel::info().name;
  if (cmd != "generate" && cmd != "valid" && cmd != "probs" && cmd != "train") return kRunOnCpu;
  if (d.nogpu) return kRunOnCpu;
  // What the GPU path does not do yet runs on the CPU, saying so.
  if (cmd != "train" && flag_value(*argc, argv, "-precision") == "bf16") {
    std::fprintf(stderr, "%s: -precision bf16 runs on the CPU (the GPU path is fp32)\n", name);
    return kRunOnCpu;
  }
  std::string why;
  const std::string device = usable_device(d.index, why);
  if (device.empty()) {
    std::fprintf(stderr, "%s: no usable CUDA device (%s): running on the CPU\n", name, why.c_str());
    run_device().note = " (no CUDA device)";
    return kRunOnCpu;
  }
  run_device().kind = "cuda";
  run_device().note = ", " + device;
  if (cmd == "train") return train_on_device<CudaModel>(argc, argv);
  Flags f(*argc, argv, 2);
  if (cmd == "generate") return cmd_generate<CudaModel>(f);
  if (cmd == "valid") return cmd_valid<CudaModel>(f);
  return cmd_probs<CudaModel>(f);
}

}  // namespace rnnc::cuda
