// Whether this machine can run the program, checked before it does anything:
//
// - the CPU: a program built for one CPU (-march=native on an AVX-512
//   machine, or rnnc --march ARCH) dies with SIGILL ("Illegal instruction") on
//   a CPU without those instructions. A constructor that runs before any other
//   code of the program, itself compiled for the baseline x86-64, compares the
//   instruction sets the compiler was told it may use (its predefined macros)
//   with what this CPU has, and names what is missing in one line.
// - the memory: a model whose weights (generate, valid, probs, init) or
//   training buffers (train) cannot fit in this machine's physical memory is
//   refused in one line before anything is allocated.
//
// The generated program passes its needs (HostNeeds, written by rnnc) to both:
//   RNNC_CHECK_CPU_AT_START(kHostNeeds)
//   int main(...) { rnnc::check_host_memory(kHostNeeds, argc, argv); ... }
#pragma once
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RNNC_HOST_X86 1
#endif

namespace rnnc {

// What a program needs of the machine, as rnnc computed it from the cfg.
struct HostNeeds {
  const char* program;               // the model's name
  const char* march;                 // what it was built for: "native", "x86-64-v3", ...
  unsigned long long weight_bytes;   // generate, valid, probs, init: the weights and their prepared copy
  unsigned long long train_bytes;    // train, gradcheck: also gradients, momentum and one batch's activations
};

// ---- The instruction sets this program was built for, in words (the model line's backend) ----
#if defined(__AVX512F__)
#if defined(__AVX512BF16__)
#define RNNC_ISA_BF16 " BF16"
#else
#define RNNC_ISA_BF16 ""
#endif
#if defined(__AVX512FP16__)
#define RNNC_ISA_FP16 " FP16"
#else
#define RNNC_ISA_FP16 ""
#endif
#if defined(__AMX_TILE__)
#define RNNC_ISA_AMX " AMX"
#else
#define RNNC_ISA_AMX ""
#endif
#define RNNC_BUILT_ISA "AVX-512" RNNC_ISA_BF16 RNNC_ISA_FP16 RNNC_ISA_AMX
#elif defined(__AVX2__) && defined(__FMA__)
#define RNNC_BUILT_ISA "AVX2 FMA"
#elif defined(__AVX2__)
#define RNNC_BUILT_ISA "AVX2"
#elif defined(__AVX__)
#define RNNC_BUILT_ISA "AVX"
#elif defined(__SSE4_2__)
#define RNNC_BUILT_ISA "SSE4.2"
#elif defined(RNNC_HOST_X86)
#define RNNC_BUILT_ISA "SSE2"
#else
#define RNNC_BUILT_ISA "portable C++"
#endif

#ifdef RNNC_HOST_X86

// Compiled for the baseline x86-64 whatever -march the program has, so that
// it runs on any x86-64 CPU. It calls only the C library (built separately)
// and compiler built-ins: an inline C++ helper would be compiled for -march.
#define RNNC_BASELINE_ISA __attribute__((target("arch=x86-64")))

// Appends NAME to the list in BUF (a fixed buffer; nothing allocated here).
RNNC_BASELINE_ISA inline void host_check_append(char* buf, size_t size, const char* name) {
  size_t used = std::strlen(buf);
  std::snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
}

// Exits with one line when this CPU lacks an instruction set the program was
// compiled for; returns when it has them all.
RNNC_BASELINE_ISA inline void check_cpu_or_exit(const HostNeeds& need) {
  __builtin_cpu_init();
  // Features GCC's and Clang's __builtin_cpu_supports do not both know, read from cpuid.
  unsigned max_leaf = 0, ext_max = 0, a = 0, b = 0, c = 0, d = 0;
  unsigned leaf1_c = 0, leaf7_b = 0, leaf7_c = 0, leaf7_d = 0, leaf7_1_a = 0, ext1_c = 0;
  __cpuid(0, max_leaf, b, c, d);
  if (max_leaf >= 1) {
    __cpuid(1, a, b, leaf1_c, d);
  }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, leaf7_b, leaf7_c, leaf7_d);
    if (a >= 1) __cpuid_count(7, 1, leaf7_1_a, b, c, d);
  }
  __cpuid(0x80000000u, ext_max, b, c, d);
  if (ext_max >= 0x80000001u) __cpuid(0x80000001u, a, b, ext1_c, d);
  (void)leaf1_c, (void)leaf7_b, (void)leaf7_c, (void)leaf7_d, (void)leaf7_1_a, (void)ext1_c;

  char lacks[512] = "";
  // Each instruction set the compiler may have used (its macro is defined) and this CPU's answer.
#define RNNC_NEED(has, name) \
  if (!(has)) host_check_append(lacks, sizeof lacks, name);
#ifdef __SSE3__
  RNNC_NEED(__builtin_cpu_supports("sse3"), "sse3")
#endif
#ifdef __SSSE3__
  RNNC_NEED(__builtin_cpu_supports("ssse3"), "ssse3")
#endif
#ifdef __SSE4_1__
  RNNC_NEED(__builtin_cpu_supports("sse4.1"), "sse4.1")
#endif
#ifdef __SSE4_2__
  RNNC_NEED(__builtin_cpu_supports("sse4.2"), "sse4.2")
#endif
#ifdef __POPCNT__
  RNNC_NEED(__builtin_cpu_supports("popcnt"), "popcnt")
#endif
#ifdef __AES__
  RNNC_NEED(__builtin_cpu_supports("aes"), "aes")
#endif
#ifdef __PCLMUL__
  RNNC_NEED(__builtin_cpu_supports("pclmul"), "pclmul")
#endif
#ifdef __AVX__
  RNNC_NEED(__builtin_cpu_supports("avx"), "avx")
#endif
#ifdef __AVX2__
  RNNC_NEED(__builtin_cpu_supports("avx2"), "avx2")
#endif
#ifdef __FMA__
  RNNC_NEED(__builtin_cpu_supports("fma"), "fma")
#endif
#ifdef __BMI__
  RNNC_NEED(__builtin_cpu_supports("bmi"), "bmi")
#endif
#ifdef __BMI2__
  RNNC_NEED(__builtin_cpu_supports("bmi2"), "bmi2")
#endif
#ifdef __F16C__
  RNNC_NEED(leaf1_c & (1u << 29), "f16c")
#endif
#ifdef __MOVBE__
  RNNC_NEED(leaf1_c & (1u << 22), "movbe")
#endif
#ifdef __LZCNT__
  RNNC_NEED(ext1_c & (1u << 5), "lzcnt")
#endif
#ifdef __SHA__
  RNNC_NEED(leaf7_b & (1u << 29), "sha")
#endif
#ifdef __VAES__
  RNNC_NEED(leaf7_c & (1u << 9), "vaes")
#endif
#ifdef __GFNI__
  RNNC_NEED(__builtin_cpu_supports("gfni"), "gfni")
#endif
#ifdef __VPCLMULQDQ__
  RNNC_NEED(__builtin_cpu_supports("vpclmulqdq"), "vpclmulqdq")
#endif
#ifdef __AVXVNNI__
  RNNC_NEED(leaf7_1_a & (1u << 4), "avxvnni")
#endif
#ifdef __AVX512F__
  RNNC_NEED(__builtin_cpu_supports("avx512f"), "avx512f")
#endif
#ifdef __AVX512CD__
  RNNC_NEED(__builtin_cpu_supports("avx512cd"), "avx512cd")
#endif
#ifdef __AVX512BW__
  RNNC_NEED(__builtin_cpu_supports("avx512bw"), "avx512bw")
#endif
#ifdef __AVX512DQ__
  RNNC_NEED(__builtin_cpu_supports("avx512dq"), "avx512dq")
#endif
#ifdef __AVX512VL__
  RNNC_NEED(__builtin_cpu_supports("avx512vl"), "avx512vl")
#endif
#ifdef __AVX512IFMA__
  RNNC_NEED(__builtin_cpu_supports("avx512ifma"), "avx512ifma")
#endif
#ifdef __AVX512VBMI__
  RNNC_NEED(__builtin_cpu_supports("avx512vbmi"), "avx512vbmi")
#endif
#ifdef __AVX512VBMI2__
  RNNC_NEED(__builtin_cpu_supports("avx512vbmi2"), "avx512vbmi2")
#endif
#ifdef __AVX512VNNI__
  RNNC_NEED(__builtin_cpu_supports("avx512vnni"), "avx512vnni")
#endif
#ifdef __AVX512BITALG__
  RNNC_NEED(__builtin_cpu_supports("avx512bitalg"), "avx512bitalg")
#endif
#ifdef __AVX512VPOPCNTDQ__
  RNNC_NEED(__builtin_cpu_supports("avx512vpopcntdq"), "avx512vpopcntdq")
#endif
#ifdef __AVX512BF16__
  RNNC_NEED(__builtin_cpu_supports("avx512bf16"), "avx512bf16")
#endif
#ifdef __AVX512VP2INTERSECT__
  RNNC_NEED(__builtin_cpu_supports("avx512vp2intersect"), "avx512vp2intersect")
#endif
#ifdef __AVX512ER__
  RNNC_NEED(__builtin_cpu_supports("avx512er"), "avx512er")
#endif
#ifdef __AVX512PF__
  RNNC_NEED(__builtin_cpu_supports("avx512pf"), "avx512pf")
#endif
#ifdef __AVX512FP16__
  RNNC_NEED(leaf7_d & (1u << 23), "avx512fp16")
#endif
#ifdef __AMX_TILE__
  RNNC_NEED(leaf7_d & (1u << 24), "amx-tile")
#endif
#ifdef __AMX_INT8__
  RNNC_NEED(leaf7_d & (1u << 25), "amx-int8")
#endif
#ifdef __AMX_BF16__
  RNNC_NEED(leaf7_d & (1u << 22), "amx-bf16")
#endif
#undef RNNC_NEED
  if (!lacks[0]) return;
  std::fprintf(stderr,
               "error: %s was built for -march=%s (%s) but this CPU lacks %s; rebuild it for this machine "
               "(rnnc CFG here, or rnnc --march x86-64-v3 CFG for any AVX2 machine)\n",
               need.program, need.march, RNNC_BUILT_ISA, lacks);
  std::exit(1);
}

// Defines the constructor that runs check_cpu_or_exit before any other code of
// the program (priority 101: the first that is not reserved to the implementation).
#define RNNC_CHECK_CPU_AT_START(needs)                                                   \
  __attribute__((constructor(101))) RNNC_BASELINE_ISA static void rnnc_check_cpu_at_start() { \
    rnnc::check_cpu_or_exit(needs);                                                      \
  }

#else
#define RNNC_CHECK_CPU_AT_START(needs)
#endif  // RNNC_HOST_X86

// Bytes as "1.5 GB".
inline std::string host_check_gb(unsigned long long bytes) { return strprintf("%.1f GB", double(bytes) / 1e9); }

// Why COMMAND cannot run on a machine with PHYSICAL bytes of memory and an
// address-space limit of AS_LIMIT bytes (0: none), or "" when it fits (or is
// not a command that holds the model).
inline std::string host_memory_refusal(const HostNeeds& need, const char* command, unsigned long long physical,
                                       unsigned long long as_limit) {
  const bool trains = !std::strcmp(command, "train") || !std::strcmp(command, "gradcheck");
  const bool infers = !std::strcmp(command, "generate") || !std::strcmp(command, "valid") ||
                      !std::strcmp(command, "probs") || !std::strcmp(command, "init");
  if (!trains && !infers) return "";
  const unsigned long long wanted = trains ? need.train_bytes : need.weight_bytes;
  unsigned long long has = physical;
  const char* what = "this machine has";
  if (as_limit && (has == 0 || as_limit < has)) {
    has = as_limit;
    what = "its address space is limited (ulimit -v) to";
  }
  if (has == 0 || wanted <= has) return "";
  if (trains)
    return strprintf(
        "%s: training needs about %s (weights, gradients, momentum and one batch's activations) but %s %s; "
        "lower batch or time_steps in the cfg, or train on a larger machine",
        need.program, host_check_gb(wanted).c_str(), what, host_check_gb(has).c_str());
  return strprintf("%s: %s needs about %s for the weights and their prepared copy but %s %s; run it on a larger machine",
                   need.program, command, host_check_gb(wanted).c_str(), what, host_check_gb(has).c_str());
}

// Exits with one line when the command in ARGV needs more memory than this
// machine has (physical memory, or less under ulimit -v); returns otherwise.
inline void check_host_memory(const HostNeeds& need, int argc, char** argv) {
  if (argc < 2) return;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  unsigned long long physical = pages > 0 && page > 0 ? (unsigned long long)pages * (unsigned long long)page : 0;
  unsigned long long as_limit = 0;
  struct rlimit lim;
  if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) as_limit = lim.rlim_cur;
  std::string refusal = host_memory_refusal(need, argv[1], physical, as_limit);
  if (!refusal.empty()) fail("%s", refusal.c_str());
}

}  // namespace rnnc
