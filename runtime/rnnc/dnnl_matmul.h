// A training product through oneDNN's matmul (`rnnc --dnnl`: the program
// links Debian's shared libdnnl, and needs it at run time). oneDNN runs the
// product on OpenMP's threads. Compiled only with RNNC_DNNL.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "error.h"

namespace rnnc {

// The CPU engine every product and probe here runs on.
inline const dnnl::engine& dnnl_cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// C[M][N] (+)= A(M x K) B(K x N), A(i, k) = A[i*ai + k*ak], B(k, n) =
// B[k*bk + n*bn], A and B of type `in` (f32, or bf16 as 16-bit words), C in
// f32: one matmul primitive per shape, layout and type, made on first use and
// kept (making one costs far more than a small product).
inline void dnnl_matmul(dnnl::memory::data_type in, int M, int N, int K, const void* A, ptrdiff_t ai, ptrdiff_t ak,
                        const void* B, ptrdiff_t bk, ptrdiff_t bn, float* C, bool accumulate) {
  using dims = dnnl::memory::dims;
  using dt = dnnl::memory::data_type;
  const dnnl::engine& engine = dnnl_cpu_engine();
  static std::mutex mu;
  static std::map<std::tuple<dt, int, int, int, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, bool>, dnnl::matmul> made;
  const dnnl::memory::desc a_md(dims{M, K}, in, dims{ai, ak});
  const dnnl::memory::desc b_md(dims{K, N}, in, dims{bk, bn});
  const dnnl::memory::desc c_md(dims{M, N}, dt::f32, dims{N, 1});
  dnnl::matmul product;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto key = std::make_tuple(in, M, N, K, ai, ak, bk, bn, accumulate);
    auto it = made.find(key);
    if (it == made.end()) {
      dnnl::primitive_attr attr;
      if (accumulate) {  // C = A B + C: the sum post-op
        dnnl::post_ops ops;
        ops.append_sum(1.f);
        attr.set_post_ops(ops);
      }
      try {
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md), attr, engine);
        it = made.emplace(key, dnnl::matmul(pd)).first;
      } catch (const dnnl::error& e) {  // e.g. bf16 on a CPU without AVX-512
        fail("oneDNN has no %s matmul of %d x %d <- %d on this CPU (%s)", in == dt::bf16 ? "bf16" : "fp32", M, N, K,
             e.what());
      }
    }
    product = it->second;
  }
  static thread_local dnnl::stream stream(engine);
  dnnl::memory a(a_md, engine, const_cast<void*>(A)), b(b_md, engine, const_cast<void*>(B)), c(c_md, engine, C);
  product.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
  stream.wait();
}

// Whether this oneDNN makes a bf16 matmul on this CPU (it needs AVX512-BF16
// or AMX; a CPU where it has none is told so by a failed primitive).
inline bool dnnl_has_bf16_matmul() {
  using dt = dnnl::memory::data_type;
  const dnnl::memory::dims ab{16, 16}, strides{16, 1};
  try {
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(dnnl::memory::desc(ab, dt::bf16, strides), dnnl::memory::desc(ab, dt::bf16, strides),
                           dnnl::memory::desc(ab, dt::f32, strides)),
        dnnl_cpu_engine());
    return std::string(pd.impl_info_str()).find("ref") == std::string::npos;  // not oneDNN's slow reference kernel
  } catch (const dnnl::error&) {
    return false;
  }
}

// The same in fp32.
inline void dnnl_gemm(int M, int N, int K, const float* A, ptrdiff_t ai, ptrdiff_t ak, const float* B, ptrdiff_t bk,
                      ptrdiff_t bn, float* C, bool accumulate) {
  dnnl_matmul(dnnl::memory::data_type::f32, M, N, K, A, ai, ak, B, bk, bn, C, accumulate);
}

// With both operands bfloat16 (bf16.h's to_bf16 words), sums in fp32:
// oneDNN's AMX kernels where the CPU has AMX, its AVX512-BF16 ones elsewhere.
inline void dnnl_gemm_bf16(int M, int N, int K, const uint16_t* A, ptrdiff_t ai, ptrdiff_t ak, const uint16_t* B,
                           ptrdiff_t bk, ptrdiff_t bn, float* C, bool accumulate) {
  dnnl_matmul(dnnl::memory::data_type::bf16, M, N, K, A, ai, ak, B, bk, bn, C, accumulate);
}

}  // namespace rnnc
