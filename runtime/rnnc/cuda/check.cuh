// CUDA error checks: a failed runtime call ends the program with one line
// naming the call and CUDA's reason (a GPU run has no partial result worth keeping).
#pragma once
#include <cuda_runtime.h>

#include "../error.h"

namespace rnnc::cuda {

inline void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) fail("CUDA: %s: %s", call, cudaGetErrorString(e));
}

}  // namespace rnnc::cuda

#define RNNC_CUDA_CHECK(call) ::rnnc::cuda::check((call), #call)
// After a kernel launch: a bad configuration is reported at once, not at the next copy.
#define RNNC_CUDA_LAUNCHED() ::rnnc::cuda::check(cudaGetLastError(), "kernel launch")
