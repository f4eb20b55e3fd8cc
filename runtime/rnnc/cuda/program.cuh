// A CUDA build's device choice (rnnc --cuda): the program holds the CPU path
// (program.cpp, exactly a CPU build's) and the GPU path (program.cu, this
// file and layers/*.cuh). main() asks run_on_device first; it takes darknet's
// -i N (the GPU, default 0) and -nogpu out of argv and runs generate, valid
// and probs on the GPU where one is usable, else returns kRunOnCpu and main
// runs the CPU path on what is left of argv.
#pragma once
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../commands/generate.h"
#include "../commands/probs.h"
#include "../commands/valid.h"
#include "../error.h"
#include "../flags.h"
#include "../model.h"

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

template <class CudaModel>
int run_on_device(int* argc, char** argv) {
  run_device().usage =
      "\nthis program was built with a GPU path (rnnc --cuda): generate, valid and probs run on an NVIDIA GPU\n"
      "  -i N     the GPU to run on (default 0)\n"
      "  -nogpu   run on the CPU\n"
      "  where no GPU is usable they say so in one line and run on the CPU; train runs on the CPU\n";
  if (*argc < 2) return kRunOnCpu;
  const DeviceFlags d = take_device_flags(*argc, argv);
  const std::string cmd = argv[1];
  const char* name = CudaModel::info().name;
  if (cmd == "train") {
    if (!d.nogpu) std::fprintf(stderr, "%s: train runs on the CPU (this build's GPU path is generation only)\n", name);
    return kRunOnCpu;
  }
  if (cmd != "generate" && cmd != "valid" && cmd != "probs") return kRunOnCpu;
  if (d.nogpu) return kRunOnCpu;
  // What the GPU path does not do yet runs on the CPU, saying so.
  if (flag_value(*argc, argv, "-precision") == "bf16") {
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
  Flags f(*argc, argv, 2);
  if (cmd == "generate") return cmd_generate<CudaModel>(f);
  if (cmd == "valid") return cmd_valid<CudaModel>(f);
  return cmd_probs<CudaModel>(f);
}

}  // namespace rnnc::cuda
