// `--plan measured`: the candidates timed on this machine by the plan's
// probe (templates/plan_probe.cpp.tmpl, built with the program's compiler,
// flags and libraries), every rate kept in the cache (RNNC_CACHE/plans/,
// one file per CPU model, thread count, compiler, flags, libraries and
// runtime), so that the next build of any model with these shapes times
// nothing.
#include "plan/measure.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "diag.h"

namespace fs = std::filesystem;

namespace rnnc {

namespace {

// The CPU's model name (/proc/cpuinfo), "unknown CPU" where there is none.
std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) {
      size_t at = line.find(':');
      if (at != std::string::npos) {
        std::string name = line.substr(at + 1);
        size_t b = name.find_first_not_of(" \t");
        return b == std::string::npos ? "unknown CPU" : name.substr(b);
      }
    }
  return "unknown CPU";
}

const char* kernel_word(ProductKernel k) {  // the probe's and the cache file's word
  switch (k) {
    case ProductKernel::OpenBlas: return "openblas";
    case ProductKernel::Dnnl: return "dnnl";
    default: return "rnnc";
  }
}

bool kernel_from_word(const std::string& w, ProductKernel& k) {
  for (ProductKernel c : {ProductKernel::Rnnc, ProductKernel::OpenBlas, ProductKernel::Dnnl})
    if (w == kernel_word(c)) return k = c, true;
  return false;
}

using Shape = std::tuple<int, int, int, int>;  // M, N, K, transposed A
using Rates = std::map<Shape, std::map<ProductKernel, double>>;

// Lines "M N K t KERNEL GFLOP/s" (the probe's output, and the cache file's); others are skipped.
void read_rates(std::istream& in, Rates& rates) {
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    int M, N, K, t;
    std::string word;
    double rate;
    ProductKernel k;
    if (words >> M >> N >> K >> t >> word >> rate && kernel_from_word(word, k) && rate > 0) rates[{M, N, K, t}][k] = rate;
  }
}

}  // namespace

ProductPlanTable measured_plan(const Model& m, const BuildOptions& opts, const std::vector<ProductKernel>& libraries) {
  ProductPlanTable plan;
  plan.mode = PlanMode::Measured;
  plan.products = training_products(m);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  plan.timed_on = fmt::format("{}, {} thread{}", cpu_model(), threads, threads == 1 ? "" : "s");
  std::vector<ProductKernel> candidates = {ProductKernel::Rnnc};
  candidates.insert(candidates.end(), libraries.begin(), libraries.end());
  // Not timed, the fixed rule instead: a build at -O0 (its kernels' speed
  // means nothing, and timing them takes long) and products whose one timed
  // call would cost more than kMaxTimedFlops (a 12000-wide layer: seconds
  // per candidate, paid by every build of a model that may never train).
  const bool openblas = std::find(libraries.begin(), libraries.end(), ProductKernel::OpenBlas) != libraries.end();
  for (const std::string& f : opts.extra_flags)
    if (f == "-O0") return fixed_plan(m, openblas);
  auto too_costly = [&](const PlanEntry& p) {
    int M, N, K;
    timed_shape(p, M, N, K);
    return 2.0 * M * N * K > kMaxTimedFlops;
  };
  // The shapes to time: the wide products' (a narrow one stays on rnnc's kernels).
  std::set<Shape> wanted;
  for (const PlanEntry& p : plan.products) {
    if (!p.wide || candidates.size() < 2 || too_costly(p)) continue;
    int M, N, K;
    timed_shape(p, M, N, K);
    wanted.insert({M, N, K, p.role == ProductRole::WeightGradient});
  }
  if (wanted.empty()) return plan;

  // The probe's key names everything it is built from; the rates also depend on the CPU and the threads.
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : plan_probe_key(opts) + "\n" + plan.timed_on) hash = (hash ^ c) * 1099511628211ull;
  const fs::path file = fs::path(cache_folder()) / "plans" / fmt::format("{:016x}.txt", hash);
  Rates rates;
  {
    std::ifstream f(file);
    read_rates(f, rates);
  }
  std::string kernels, shapes;
  for (ProductKernel k : candidates) kernels += (kernels.empty() ? "" : ",") + std::string(kernel_word(k));
  int to_time = 0;
  for (const Shape& s : wanted) {
    bool known = rates.count(s) != 0;
    for (ProductKernel k : candidates) known = known && rates[s].count(k) != 0;
    if (known) continue;
    shapes += fmt::format(" {},{},{},{}", std::get<0>(s), std::get<1>(s), std::get<2>(s), std::get<3>(s));
    ++to_time;
  }
  if (to_time > 0) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    // A probe that does not build or run here (a -march this CPU lacks, say): the fixed rule, said in one line.
    std::string out, failure;
    try {
      const std::string probe = plan_probe(opts);
      const std::string cmd = fmt::format("'{}' {}{}", probe, kernels, shapes);
      if (opts.verbose) fmt::print(stderr, "rnnc: timing the products: {}\n", cmd);
      if (run_shell(cmd, out) != 0)
        failure = out.empty() ? "the probe failed on this CPU" : "the probe failed: " + out.substr(0, out.find('\n'));
    } catch (const CompileError&) {
      if (stop_signal()) throw;
      failure = "the probe did not compile";
    }
    if (!failure.empty()) {
      fmt::print(stderr, "rnnc: warning: the products cannot be timed here ({}); they follow the fixed rule (--plan fixed)\n",
                 failure);
      return fixed_plan(m, std::find(libraries.begin(), libraries.end(), ProductKernel::OpenBlas) != libraries.end());
    }
    const auto t1 = Clock::now();
    // Rates taken beside other work favour whichever kernel suffers least from it: said, since they are kept.
    double load[1];
    if (getloadavg(load, 1) == 1 && load[0] > threads - 0.5)
      fmt::print(stderr,
                 "rnnc: note: the products were timed on a busy machine (load {:.1f} on {} cores), which may "
                 "change the plan; remove {} to time them again\n",
                 load[0], threads, file.string());
    std::istringstream in(out);
    Rates got;
    read_rates(in, got);
    for (const auto& [s, by_kernel] : got)
      for (const auto& [k, r] : by_kernel) rates[s][k] = r;
    // The whole file again, through a temporary beside it: another rnnc may be reading it.
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    const fs::path tmp = fs::path(file.string() + ".tmp." + std::to_string(::getpid()));
    {
      std::ofstream f(tmp);
      f << "# M N K transposed-A kernel GFLOP/s: rnnc's plan timings on " << plan.timed_on << "\n";
      for (const auto& [s, by_kernel] : rates)
        for (const auto& [k, r] : by_kernel)
          f << fmt::format("{} {} {} {} {} {:.2f}\n", std::get<0>(s), std::get<1>(s), std::get<2>(s), std::get<3>(s),
                           kernel_word(k), r);
    }
    fs::rename(tmp, file, ec);
    if (ec) fs::remove(tmp, ec);
    if (opts.verbose)
      fmt::print(stderr, "rnnc: timed {} product shape{} in {:.0f} ms (with building the probe, if it was not cached)\n", to_time,
                 to_time == 1 ? "" : "s", std::chrono::duration<double, std::milli>(t1 - t0).count());
  } else if (opts.verbose) {
    fmt::print(stderr, "rnnc: the plan's timings are cached ({})\n", file.string());
  }
  for (PlanEntry& p : plan.products) {
    if (!p.wide) continue;
    if (too_costly(p)) {
      p.kernel = openblas ? fixed_kernel(p.M, p.N, p.K) : ProductKernel::Rnnc;
      continue;
    }
    int M, N, K;
    timed_shape(p, M, N, K);
    const Shape s{M, N, K, p.role == ProductRole::WeightGradient};
    for (ProductKernel k : candidates)
      if (rates[s].count(k)) p.gflops[k] = rates[s][k];
    p.kernel = fastest(p.gflops);
  }
  return plan;
}

}  // namespace rnnc
