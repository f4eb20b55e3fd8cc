// rnnc: compiles a darknet char-RNN cfg into one specialised program.
//   read -> lower -> passes -> emit -> format -> check -> build
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cfg/cfg_reader.h"
#include "check/check.h"
#include "driver/build.h"
#include "emit/emit_cpp.h"
#include "format/format.h"
#include "ir/lower.h"
#include "passes/plan.h"
#include "plan/measure.h"
#include "plan/product_plan.h"
#include "rnnc/product_plan.h"  // cpu_has_amx_bf16
#include "rnnc/vocabulary.h"  // kBlasMinWidth

namespace {

const char* kUsage =
    "usage: rnnc CFG [-o NAME] [--emit-only DIR] [--cxx COMPILER] [--march ARCH] [--cxxflags FLAGS] [--no-fuse]\n"
    "            [--passes LIST] [--dump-ir] [--plan measured|fixed] [--show-plan] [--dnnl] [--no-blas] [--no-check]\n"
    "            [--no-cache] [--cuda] [-v]\n"
    "  Compiles a darknet network description (cfg/rnn.cfg, ...) into one program with\n"
    "  generate, valid and train commands (run it with --help).\n"
    "  -o NAME          the program to write (default: the cfg's base name)\n"
    "  --emit-only DIR  write the C++ source, the runtime and a CMakeLists.txt to DIR; build nothing\n"
    "  --cxx COMPILER   the host C++ compiler (default: $CXX, else c++)\n"
    "  --march ARCH     the CPU to build for (default: native, this machine's; x86-64-v3 runs on any\n"
    "                   AVX2 machine). The program refuses, in one line, a CPU that lacks what it uses\n"
    "  --cxxflags FLAGS more compiler flags, after rnnc's (also $RNNC_CXXFLAGS, which comes first),\n"
    "                   e.g. \"-fsanitize=address,undefined -g\"\n"
    "  --no-fuse        run no optimising pass: the plain reference kernels, darknet's order of operations\n"
    "  --passes LIST    the passes to run, in this order, comma-separated (none: no pass); default, in the\n"
    "                   standard order: fold-batch-norm,fuse-recurrent-step,one-hot-gather. An order that a\n"
    "                   pass's precondition forbids is refused, saying why\n"
    "  --dump-ir        print the inference IR (each layer's ops) after lowering and after each pass to\n"
    "                   stdout, and build nothing\n"
    "  --plan measured  (default) time the candidate kernels of each training product 512 wide or more in\n"
    "                   and out on this machine (rnnc's, OpenBLAS, oneDNN with --dnnl) and run the fastest;\n"
    "                   the timings are cached per CPU, compiler and flags. Narrower products run rnnc's\n"
    "                   kernels, which sum in darknet's order\n"
    "  --plan fixed     the same kernels on every machine (OpenBLAS for the products of 256 rows or more,\n"
    "                   512 wide or more in and out), so trained weights do not depend on the machine\n"
    "  --show-plan      print each training product's kernel (and the GFLOP/s measured) while building\n"
    "  --dnnl           also try oneDNN's matmul (Debian's libdnnl-dev); a program whose plan picks it\n"
    "                   needs libdnnl.so at run time; on a CPU with AMX-BF16 the program always links it,\n"
    "                   for train -precision bf16 (oneDNN's AMX kernels)\n"
    "  --no-blas        never link OpenBLAS (by default a model with sub-layers 512 wide or more links\n"
    "                   a static OpenBLAS, where the compiler finds one, for its large training products)\n"
    "  --no-check       do not check the emitted C++ with Clang before building it\n"
    "  --no-cache       rebuild even if this exact program was built before\n"
    "  --cuda           also build a GPU path (the CUDA Toolkit's nvcc): generate, valid and probs run on\n"
    "                   an NVIDIA GPU (-i N picks it, -nogpu declines), on the CPU where none is usable\n"
    "  -v               say what is run\n"
    "  --version        print rnnc's version (and git commit) in one line\n";
static_assert(rnnc::kBlasMinWidth == 512, "--no-blas's line in the usage names the width");

struct Args {
  std::string cfg, output, emit_dir, cxx, march = "native", cxxflags;
  std::string passes;  // --passes LIST
  bool passes_given = false, dump_ir = false;
  bool fuse = true, cache = true, check = true, verbose = false, blas = true, cuda = false;
  bool measured_plan = true, show_plan = false, dnnl = false;
  int inject_error_in_layer = -1;
};

#ifndef RNNC_VERSION
#define RNNC_VERSION "unknown"
#endif
#ifndef RNNC_GIT_COMMIT
#define RNNC_GIT_COMMIT ""
#endif

// "rnnc 0.14.0 (git 3547fcf0a1b2)": CMake's project(VERSION) and the commit
// the build was configured at, where it was a git checkout.
std::string version_line() {
  std::string commit = RNNC_GIT_COMMIT;
  return fmt::format("rnnc {} ({})", RNNC_VERSION, commit.empty() ? "git commit unknown" : "git " + commit);
}

[[noreturn]] void usage_error(const std::string& msg) {
  fmt::print(stderr, "rnnc: {}\n{}", msg, kUsage);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  const char* env_cxx = std::getenv("CXX");
  a.cxx = env_cxx && *env_cxx ? env_cxx : "c++";
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(s + " needs a value");
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      fmt::print("{}", kUsage);
      std::exit(0);
    } else if (s == "--version") {
      fmt::print("{}\n", version_line());
      std::exit(0);
    } else if (s == "-o") {
      a.output = value();
    } else if (s == "--emit-only") {
      a.emit_dir = value();
    } else if (s == "--cxx") {
      a.cxx = value();
    } else if (s == "--march") {
      a.march = value();
    } else if (s == "--cxxflags") {
      a.cxxflags += (a.cxxflags.empty() ? "" : " ") + value();
    } else if (s == "--no-fuse") {
      a.fuse = false;
    } else if (s == "--passes") {
      if (a.passes_given) usage_error("--passes is given twice");
      a.passes = value();
      a.passes_given = true;
    } else if (s == "--dump-ir") {
      a.dump_ir = true;
    } else if (s == "--plan") {
      std::string v = value();
      if (v != "measured" && v != "fixed") usage_error("--plan is measured or fixed, got '" + v + "'");
      a.measured_plan = v == "measured";
    } else if (s == "--show-plan") {
      a.show_plan = true;
    } else if (s == "--dnnl") {
      a.dnnl = true;
    } else if (s == "--no-blas") {
      a.blas = false;
    } else if (s == "--no-check") {
      a.check = false;
    } else if (s == "--no-cache") {
      a.cache = false;
    } else if (s == "--cuda") {
      a.cuda = true;
    } else if (s == "-v") {
      a.verbose = true;
    } else if (s == "--test-inject-error") {  // test-only hook
      a.inject_error_in_layer = std::atoi(value().c_str());
    } else if (!s.empty() && s[0] == '-') {
      usage_error("unknown option " + s);
    } else if (a.cfg.empty()) {
      a.cfg = s;
    } else {
      usage_error("one cfg at a time; got " + a.cfg + " and " + s);
    }
  }
  if (a.cfg.empty()) usage_error("which cfg?");
  if (a.passes_given && !a.fuse) usage_error("--passes and --no-fuse both choose the passes; give one");
  if (a.dnnl && !a.measured_plan) usage_error("--dnnl goes with --plan measured: the fixed rule never picks oneDNN");
  if (a.output.empty()) a.output = std::filesystem::path(a.cfg).stem().string();
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  try {
    // Where the result goes (--dump-ir writes none), checked before any work is done.
    std::error_code same_ec;
    if (!args.dump_ir) {
      if (args.emit_dir.empty() && std::filesystem::equivalent(args.cfg, args.output, same_ec))
        throw rnnc::CompileError(fmt::format("rnnc: error: -o {} is the cfg itself; name the program otherwise", args.output));
      if (args.emit_dir.empty())
        rnnc::check_output_path(args.output);
      else
        rnnc::check_emit_dir(args.emit_dir);
    }
    // The passes asked for, checked before any work is done.
    std::vector<rnnc::Pass> passes;
    if (args.passes_given)
      passes = rnnc::parse_pass_list(args.passes);
    else if (args.fuse)
      passes = rnnc::standard_passes();
    rnnc::Diagnostics diags;
    rnnc::Model model = rnnc::lower(rnnc::read_cfg(args.cfg), diags);
    for (const auto& w : diags.warnings) fmt::print(stderr, "{}\n", w);
    rnnc::check_text_model(model);
    if (args.dump_ir) {
      auto print = [](const std::string& stage, const rnnc::Model& m, const rnnc::Plan& p, void*) {
        fmt::print("== IR after {}\n{}", stage, rnnc::dump_ir(m, p));
      };
      rnnc::run_passes(model, passes, print);
      return 0;
    }
    rnnc::Plan plan = rnnc::run_passes(model, passes);
    rnnc::CudaBuild cuda;
    // The toolkit is needed to build, not to emit (the project finds its own).
    if (args.cuda && args.emit_dir.empty()) rnnc::find_cuda_toolkit(cuda);  // none: one line, before any work
    rnnc::check_march_known(args.cxx, args.march);
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::time_point since) {
      return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
    };
    std::string name = std::filesystem::path(args.output).filename().string();
    rnnc::BuildOptions bo;
    bo.cxx = args.cxx;
    bo.march = args.march;
    if (const char* env = std::getenv("RNNC_CXXFLAGS")) bo.extra_flags = rnnc::split_flags(env, "RNNC_CXXFLAGS");
    for (const std::string& f : rnnc::split_flags(args.cxxflags, "--cxxflags")) bo.extra_flags.push_back(f);
    bo.output = args.output;
    bo.use_cache = args.cache;
    bo.verbose = args.verbose;
    const bool wants_blas = args.blas && rnnc::model_wants_blas(model);
    if (wants_blas) bo.blas_archive = rnnc::find_static_openblas(args.cxx);
    if (args.verbose && wants_blas)
      fmt::print(stderr, "rnnc: OpenBLAS for the large training products: {}\n",
                 bo.blas_archive.empty() ? "no static libopenblas.a found, rnnc's kernels only" : bo.blas_archive);
    if (args.dnnl) {
      const std::string missing = rnnc::missing_dnnl(args.cxx);
      if (!missing.empty())
        throw rnnc::CompileError(fmt::format("rnnc: error: --dnnl needs oneDNN (Debian's libdnnl-dev), but the C++ "
                                             "compiler ({}) does not find {}",
                                             args.cxx, missing));
      bo.dnnl = true;
    }
    // The kernel of each training product; a library the plan does not use is not linked.
    rnnc::ProductPlanTable products;
    bool link_blas = wants_blas;
    if (args.measured_plan) {
      auto t2 = Clock::now();
      std::vector<rnnc::ProductKernel> libraries;
      if (!bo.blas_archive.empty()) libraries.push_back(rnnc::ProductKernel::OpenBlas);
      if (bo.dnnl) libraries.push_back(rnnc::ProductKernel::Dnnl);
      products = rnnc::measured_plan(model, bo, libraries);
      link_blas = rnnc::plan_uses(products, rnnc::ProductKernel::OpenBlas);
      if (!link_blas) bo.blas_archive.clear();
      // Linked too where this machine has AMX-BF16: train -precision bf16 runs its products on
      // oneDNN's AMX kernels there (rnnc has none).
      bo.dnnl = rnnc::plan_uses(products, rnnc::ProductKernel::Dnnl) || (bo.dnnl && rnnc::cpu_has_amx_bf16());
      if (args.verbose) fmt::print(stderr, "rnnc: planned the products in {:.0f} ms\n", ms(t2));
    } else {
      // --emit-only: the CMakeLists.txt looks for OpenBLAS itself.
      products = rnnc::fixed_plan(model, args.emit_dir.empty() ? !bo.blas_archive.empty() : wants_blas);
    }
    if (args.show_plan) fmt::print(stderr, "{}", rnnc::describe_plan(products));
    rnnc::EmitOptions eo;
    eo.cuda = args.cuda;
    if (args.cuda) eo.cuda_target = rnnc::cuda_target_text(cuda);
    eo.inject_error_in_layer = args.inject_error_in_layer;
    eo.march = args.march;
    eo.products = &products;
    auto t0 = Clock::now();
    std::string source = rnnc::format_cpp(rnnc::emit_cpp(model, plan, eo));
    if (args.cuda) cuda.source = rnnc::format_cpp(rnnc::emit_cuda(model, plan, eo));
    bo.cuda = cuda;
    if (args.verbose) fmt::print(stderr, "rnnc: emitted and formatted the C++ in {:.0f} ms\n", ms(t0));
    // A cached binary was built from this very source, so it compiles: no need to check it again.
    bool cached = args.emit_dir.empty() && rnnc::binary_is_cached(source, name, bo);
    if (args.check && !cached) {
      auto t1 = Clock::now();
      rnnc::CheckOptions co;
      // Parse as the host compiler will compile it (the same -std, -march and macros).
      co.args = rnnc::check_cxx_flags(bo);
      if (!bo.blas_archive.empty()) co.args.push_back("-DRNNC_BLAS");
      if (bo.dnnl) co.args.insert(co.args.end(), {"-DRNNC_DNNL", "-fopenmp"});
      if (!args.emit_dir.empty()) co.file_name = (std::filesystem::path(args.emit_dir) / "program.cpp").string();
      rnnc::check_emitted_source(source, co);
      if (args.verbose) fmt::print(stderr, "rnnc: Clang checked the emitted C++ in {:.0f} ms\n", ms(t1));
    } else if (args.check && args.verbose) {
      fmt::print(stderr, "rnnc: no Clang check: this very source was built before (cached)\n");
    }
    if (!args.emit_dir.empty()) {
      rnnc::write_source_tree(args.emit_dir, source, name, bo, link_blas);
      fmt::print(stderr, "rnnc: wrote {} (build it with: cmake -S {} -B build && cmake --build build){}\n", args.emit_dir,
                 args.emit_dir, bo.dnnl ? "; the program needs libdnnl.so (oneDNN) at run time" : "");
      return 0;
    }
    rnnc::build_binary(source, name, bo);
    fmt::print(stderr, "rnnc: built {} ({}; {} parameters{}; {}{}{})\n", args.output, model.summary(),
               model.parameters(), bo.blas_archive.empty() ? "" : "; OpenBLAS linked for the large training products",
               rnnc::plan_summary(products), bo.dnnl ? "; this program needs libdnnl.so (oneDNN) at run time" : "",
               args.cuda ? "; with a CUDA GPU path, " + rnnc::cuda_target_text(cuda) : std::string());
    return 0;
  } catch (const rnnc::CompileError& e) {
    if (int sig = rnnc::stop_signal()) {
      // Stopped (Ctrl-C, kill): the build folder is gone by now; exit as the signal would have.
      std::signal(sig, SIG_DFL);
      std::raise(sig);
    }
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A step without its own message: still one line, without the library's wording.
    fmt::print(stderr, "rnnc: error: {} {}\n", e.code().message(), e.path1().string());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rnnc: {}\n", e.what());
    return 1;
  }
}
