#include "driver/build.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "diag.h"
#include "emit/embedded.h"
#include "rnnc/vocabulary.h"  // kBlasMinWidth

namespace fs = std::filesystem;

namespace rnnc {

namespace {

// One line for a failed file-system step: what rnnc was doing, where, and the system's reason.
[[noreturn]] void fs_error(const std::string& doing, const fs::path& p, const std::error_code& ec,
                           const std::string& hint = "") {
  throw CompileError(fmt::format("rnnc: error: cannot {} {}: {}{}", doing, p.string(), ec.message(), hint));
}

void make_folders(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec && !fs::is_directory(dir, ec)) ec = std::make_error_code(std::errc::not_a_directory);
  if (ec) fs_error("create the folder", dir, ec);
}

void write_text(const fs::path& p, const std::string& text) {
  make_folders(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw CompileError(fmt::format("rnnc: error: cannot write {}", p.string()));
}

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// An empty variable counts as unset (RNNC_CACHE= must not mean "here").
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

fs::path cache_root() {
  if (const char* d = env("RNNC_CACHE")) return d;
  if (const char* x = env("XDG_CACHE_HOME")) return fs::path(x) / "rnnc";
  if (const char* h = env("HOME")) return fs::path(h) / ".cache" / "rnnc";
  return "/tmp/rnnc-cache";
}

const char* kCacheHint = "; set RNNC_CACHE to a folder rnnc may write";

// The cache folder, made if need be; one line when it cannot be.
fs::path usable_cache_root() {
  fs::path root = cache_root();
  std::error_code ec;
  fs::create_directories(root, ec);
  if (!ec && !fs::is_directory(root, ec)) ec = std::make_error_code(std::errc::not_a_directory);
  if (ec) fs_error("use the cache folder", root, ec, kCacheHint);
  return root;
}

// KEY.build.PID: the folder a build with this key works in, in process PID.
bool parse_build_folder(const std::string& name, long& pid) {
  size_t at = name.rfind(".build.");
  if (at == std::string::npos || at == 0) return false;
  std::string digits = name.substr(at + 7);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  pid = std::stol(digits);
  return pid > 0;
}

// Build folders of rnnc processes that are gone (killed mid-build, or a
// failed compile kept for reading) are removed once a minute old.
void remove_stale_build_folders(const fs::path& root) {
  std::error_code ec;
  fs::directory_iterator it(root, ec), end;
  const auto now = fs::file_time_type::clock::now();
  for (; !ec && it != end; it.increment(ec)) {
    long pid = 0;
    if (!parse_build_folder(it->path().filename().string(), pid) || pid == getpid()) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to know)
    std::error_code age_ec;
    auto written = fs::last_write_time(it->path(), age_ec);
    if (age_ec || now - written < std::chrono::minutes(1)) continue;
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);  // best effort: another rnnc may be removing it too
  }
}

// Removes a path when it goes out of scope, unless kept.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path p) : p_(std::move(p)) {}
  ~RemoveOnExit() {
    std::error_code ec;
    if (!p_.empty()) fs::remove_all(p_, ec);
  }
  void keep() { p_.clear(); }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;

 private:
  fs::path p_;
};

// The command running now (its own process group), for the signal handler,
// and the signal that stopped rnnc (0: none).
volatile sig_atomic_t g_child_group = 0;
volatile sig_atomic_t g_stopped_by = 0;

// Ctrl-C, kill, a closed terminal: passed on to the compiler rnnc runs, so
// that run_command returns and the build folder is removed on the way out
// (main then dies of the same signal).
extern "C" void on_stop_signal(int sig) {
  g_stopped_by = sig;
  if (g_child_group > 0) kill(-static_cast<pid_t>(g_child_group), sig);
}

// The handlers are in place only while a command runs: elsewhere a signal
// stops rnnc at once, as by default (a build folder left then is removed by a
// later run: remove_stale_build_folders).
class StopHandlers {
 public:
  StopHandlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~StopHandlers() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  StopHandlers(const StopHandlers&) = delete;
  StopHandlers& operator=(const StopHandlers&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3];
};

// Runs CMD with /bin/sh, its output and errors into OUTPUT; returns its exit
// status (-1 when it could not run or was killed). Throws CompileError when
// rnnc itself was told to stop meanwhile.
int run_command(const std::string& cmd, std::string& output) {
  StopHandlers handlers;
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group: a signal for rnnc reaches every process it starts, once
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before a signal can come
  g_child_group = pid;
  if (g_stopped_by) kill(-pid, g_stopped_by);  // came before the handler knew the group
  close(fds[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child_group = 0;
  if (g_stopped_by) throw CompileError("rnnc: stopped by a signal");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> host_cxx_flags(const BuildOptions& opts) {
  // -ffp-contract=off: no fused multiply-adds, so fp32 sums round as darknet's do.
  // -fno-trapping-math: nothing traps on floating-point exceptions, so a
  // select such as leaky's (x > 0 ? x : .1 * x) can become a vector blend;
  // it changes no result.
  std::vector<std::string> flags = {"-std=c++17",        "-O3", "-march=" + opts.march, "-ffp-contract=off",
                                    "-fno-trapping-math", "-pthread"};
  flags.insert(flags.end(), opts.extra_flags.begin(), opts.extra_flags.end());
  return flags;
}

std::vector<std::string> check_cxx_flags(const BuildOptions& opts) {
  BuildOptions ours = opts;
  ours.extra_flags.clear();
  std::vector<std::string> flags = host_cxx_flags(ours);
  for (size_t i = 0; i < opts.extra_flags.size(); ++i) {
    const std::string& f = opts.extra_flags[i];
    bool takes_next = (f == "-D" || f == "-U" || f == "-I") && i + 1 < opts.extra_flags.size();
    if (takes_next) {
      flags.push_back(f);
      flags.push_back(opts.extra_flags[++i]);
    } else if (f.rfind("-D", 0) == 0 || f.rfind("-U", 0) == 0 || f.rfind("-I", 0) == 0 || f.rfind("-std=", 0) == 0) {
      flags.push_back(f);
    }
  }
  return flags;
}

std::vector<std::string> split_flags(const std::string& text, const std::string& what) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote_char = 0;
  for (char c : text) {
    if (quote_char) {
      if (c == quote_char)
        quote_char = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote_char = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote_char) throw CompileError(fmt::format("rnnc: error: {} has an unclosed {} quote", what, quote_char));
  if (in_word) words.push_back(word);
  return words;
}

void check_march_name(const std::string& arch) {
  bool ok = !arch.empty() && arch.size() <= 64 && arch[0] != '-';
  for (char c : arch)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') ok = false;
  if (!ok)
    throw CompileError(fmt::format("rnnc: error: --march expects a CPU name such as native, x86-64-v3 or "
                                   "sapphirerapids, got '{}'",
                                   arch));
}

int stop_signal() { return g_stopped_by; }

void check_march_known(const std::string& cxx, const std::string& arch) {
  check_march_name(arch);
  if (arch == "native") return;
  std::string out;
  if (run_command(cxx + " -march=" + arch + " -x c++ -fsyntax-only /dev/null", out) == 0) return;
  // The compiler's own line about it ("bad value 'foo' for '-march=' switch"), else its first.
  std::string first, about;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (first.empty()) first = line;
    if (about.empty() && line.find("march") != std::string::npos) about = line;
  }
  throw CompileError(fmt::format("rnnc: error: the C++ compiler ({}) does not take --march {}: {}", cxx, arch,
                                 about.empty() ? first : about));
}

bool model_wants_blas(const Model& m) {
  for (const Layer& l : m.layers)
    for (const Dense& d : l.dense)
      if (d.in >= kBlasMinWidth && d.out >= kBlasMinWidth) return true;
  return false;
}

std::string find_static_openblas(const std::string& cxx) {
  std::string out;
  if (run_command(cxx + " -print-file-name=libopenblas.a", out) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  // Without the library, the compiler prints the bare name back.
  return out.find('/') != std::string::npos && fs::exists(out) ? out : "";
}

std::string missing_dnnl(const std::string& cxx) {
  std::string out;
  if (run_command(cxx + " -print-file-name=libdnnl.so", out) != 0 || out.find('/') == std::string::npos)
    return "libdnnl.so";
  out.clear();
  if (run_command("echo '#include <oneapi/dnnl/dnnl.hpp>' | " + cxx + " -std=c++17 -fsyntax-only -x c++ -", out) != 0)
    return "oneapi/dnnl/dnnl.hpp";
  return "";
}

std::string cache_folder() { return usable_cache_root().string(); }

int run_shell(const std::string& cmd, std::string& output) { return run_command(cmd, output); }

// A CMake quoted argument with exactly TEXT as its value: nothing in it is a
// variable reference, a list separator or the end of the argument.
std::string cmake_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '$': out += "\\$"; break;
      case ';': out += "\\;"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// A CMake project and target name: letters, digits and '_' only.
std::string cmake_identifier(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "rnnc_" + out;
  return out;
}

// The file name the CMake build writes: the model's, with '_' for what no
// Makefile can name (control characters, and ';', '\\' and '%', which CMake's
// Makefile generator does not escape).
std::string cmake_output_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool bad = static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ';' || c == '\\' || c == '%';
    out += bad ? '_' : c;
  }
  return out;
}

void write_source_tree(const std::string& dir, const std::string& source, const std::string& model_name,
                       const BuildOptions& opts, bool blas) {
  fs::path d(dir);
  write_text(d / "program.cpp", source);
  if (opts.cuda.enabled()) write_text(d / "program.cu", opts.cuda.source);
  for (const auto& f : embedded_files()) {
    std::string path = f.path;
    if (path.rfind("rnnc/", 0) == 0) write_text(d / path, f.text);
  }
  const std::string target = cmake_identifier(model_name);
  std::string compile_flags, link_flags = cmake_quoted("-pthread");
  for (const std::string& f : host_cxx_flags(opts)) compile_flags += (compile_flags.empty() ? "" : " ") + cmake_quoted(f);
  // The extra flags go to the link too (-fsanitize=... needs its runtime there).
  for (const std::string& f : opts.extra_flags) link_flags += " " + cmake_quoted(f);
  std::string link_blas =
      blas ? fmt::format(
                 "# This model's large training products go to OpenBLAS's sgemm where a static one is found.\n"
                 "find_library(RNNC_OPENBLAS NAMES libopenblas.a)\n"
                 "if(RNNC_OPENBLAS)\n"
                 "  target_compile_definitions({0} PRIVATE RNNC_BLAS)\n"
                 "  target_link_libraries({0} PRIVATE ${{RNNC_OPENBLAS}})\n"
                 "endif()\n",
                 target)
           : "";
  if (opts.dnnl)
    link_blas += fmt::format(
        "# Products its plan gives to oneDNN (rnnc --dnnl): Debian's libdnnl, needed at run time;\n"
        "# OpenMP, whose threads run oneDNN's products and rnnc's passes alike.\n"
        "find_package(dnnl REQUIRED)\n"
        "find_package(OpenMP REQUIRED)\n"
        "target_compile_definitions({0} PRIVATE RNNC_DNNL)\n"
        "target_link_libraries({0} PRIVATE DNNL::dnnl OpenMP::OpenMP_CXX)\n",
        target);
  if (opts.cuda.enabled()) {
    std::vector<std::string> links = {"-pthread"};
    links.insert(links.end(), opts.extra_flags.begin(), opts.extra_flags.end());
    write_text(d / "CMakeLists.txt", cuda_cmakelists(opts.cuda, target, cmake_output_name(model_name),
                                                     host_cxx_flags(opts), links, link_blas));
    return;
  }
  write_text(d / "CMakeLists.txt",
             fmt::format("# Builds the program rnnc generated, without rnnc.\n"
                         "cmake_minimum_required(VERSION 3.16)\n"
                         "project({0} CXX)\n"
                         "if(NOT CMAKE_BUILD_TYPE)\n  set(CMAKE_BUILD_TYPE Release)\nendif()\n"
                         "add_executable({0} program.cpp)\n"
                         "set_target_properties({0} PROPERTIES OUTPUT_NAME {1})\n"
                         "target_include_directories({0} PRIVATE ${{CMAKE_CURRENT_SOURCE_DIR}})\n"
                         "target_compile_options({0} PRIVATE {2})\n"
                         "target_link_options({0} PRIVATE {3})\n{4}",
                         target, cmake_quoted(cmake_output_name(model_name)), compile_flags, link_flags, link_blas));
}

namespace {

// rnnc --dnnl: oneDNN's macro, and OpenMP, on which Debian's libdnnl runs its
// products: with it the program's own passes run on the same threads
// (threads.h), not on a second set that takes turns with them on the cores.
// libdnnl is shared: the program needs libdnnl.so at run time.
constexpr const char* kDnnlCompile = " -DRNNC_DNNL -fopenmp";
constexpr const char* kDnnlLink = " -ldnnl -fopenmp";

// The cache's key for a build: a hash of everything that goes into the binary.
std::string cache_key(const std::string& source, const BuildOptions& opts) {
  std::string key_text = source + "\n" + opts.cxx + "\n" + opts.blas_archive + (opts.dnnl ? "\ndnnl" : "");
  for (const std::string& f : host_cxx_flags(opts)) key_text += "\n" + f;
  if (opts.cuda.enabled()) {
    key_text += "\n" + opts.cuda.source + "\n" + opts.cuda.nvcc;
    for (const std::string& f : nvcc_flags(opts.cuda, opts.extra_flags)) key_text += "\n" + f;
  }
  for (const auto& f : embedded_files()) key_text += f.text;
  return fmt::format("{:016x}", fnv1a(key_text));
}

}  // namespace

bool binary_is_cached(const std::string& source, const std::string& model_name, const BuildOptions& opts) {
  const fs::path root = usable_cache_root();  // an unusable cache is said before any other work
  std::error_code ec;
  return opts.use_cache && fs::exists(root / cache_key(source, opts) / model_name, ec);
}

void check_output_path(const std::string& output) {
  fs::path out(output);
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw CompileError(fmt::format("rnnc: error: -o {} is a folder; give the program's file name (e.g. -o {})", output,
                                   (out / "NAME").string()));
  fs::path parent = fs::absolute(out, ec).parent_path();
  if (ec) fs_error("write", out, ec);
  if (!fs::is_directory(parent, ec))
    throw CompileError(fmt::format("rnnc: error: cannot write -o {}: the folder {} does not exist", output,
                                   parent.string()));
}

void check_emit_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw CompileError(fmt::format("rnnc: error: --emit-only {} is a file, not a folder", dir));
}

int compile_units() {
  if (const char* env = std::getenv("RNNC_COMPILE_UNITS")) {
    std::string v = env;
    if (v == "1" || v == "2") return std::stoi(v);
    throw CompileError(fmt::format("rnnc: error: RNNC_COMPILE_UNITS is 1 or 2, got '{}'", v));
  }
  // Two units where, over the last minute, at least one and a half cores went unused.
  double load[1];
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (cores < 2 || getloadavg(load, 1) != 1) return 1;
  return cores - load[0] >= 1.5 ? 2 : 1;
}

void build_binary(const std::string& source, const std::string& model_name, const BuildOptions& opts) {
  check_output_path(opts.output);
  std::string flags;
  for (const std::string& f : host_cxx_flags(opts)) flags += (flags.empty() ? "" : " ") + shell_quoted(f);
  const fs::path root = usable_cache_root();
  remove_stale_build_folders(root);
  std::string key = cache_key(source, opts);
  fs::path cached = root / key / model_name;
  fs::path out = fs::absolute(opts.output);
  std::error_code ec;
  if (opts.use_cache && fs::exists(cached, ec)) {
    if (opts.verbose) fmt::print(stderr, "rnnc: {} is cached ({})\n", model_name, cached.string());
  } else {
    fs::path work = root / (key + ".build." + std::to_string(getpid()));
    fs::remove_all(work, ec);
    if (!fs::create_directory(work, ec) || ec) {
      if (!ec) ec = std::make_error_code(std::errc::file_exists);
      fs_error("create a build folder in the cache", work, ec, kCacheHint);
    }
    RemoveOnExit remove_work(work);
    write_source_tree(work.string(), source, model_name, opts, !opts.blas_archive.empty());
    fs::path tmp_bin = work / model_name;
    // OpenBLAS goes in whole (a static archive): the program needs no library at run time.
    std::string blas = opts.blas_archive.empty() ? "" : " " + shell_quoted(opts.blas_archive);
    if (opts.dnnl) blas += kDnnlLink;
    // On a machine with a core to spare, the program compiles as two units at
    // once, then links them (templates/program.cpp.tmpl): the train and
    // gradcheck commands with the layers' training code, and the rest; ~20%
    // less time on two idle cores, but ~40% more work in all (both units parse
    // everything), so one unit where the cores are busy (a test suite building
    // programs side by side). The training unit's messages are shown only if
    // the other unit compiled, so that an error in the model is shown once.
    const std::string compile =
        fmt::format("{} {}{}{} -I {}", opts.cxx, flags, opts.blas_archive.empty() ? "" : " -DRNNC_BLAS",
                    opts.dnnl ? kDnnlCompile : "", shell_quoted(work.string()));
    const std::string source = shell_quoted((work / "program.cpp").string());
    std::string cmd;
    if (opts.cuda.enabled()) {
      // nvcc compiles the GPU path while the host compiler compiles the CPU
      // path, exactly as a CPU build does (as one unit); the host compiler links.
      std::string nvcc = shell_quoted(opts.cuda.nvcc), libs;
      for (const std::string& f : nvcc_flags(opts.cuda, opts.extra_flags)) nvcc += " " + shell_quoted(f);
      for (const std::string& f : cuda_link_flags(opts.cuda)) libs += " " + shell_quoted(f);
      cmd = fmt::format(
          "{0} -I {1} -c {2} -o {3} >{4} 2>&1 & "
          "{5} -c {6} -o {7}; cpu=$?; wait $!; gpu=$?; "
          "[ $cpu = 0 ] || exit $cpu; [ $gpu = 0 ] || {{ cat {4}; exit $gpu; }}; "
          "{8} {7} {3} -o {9}{10}{11}",
          nvcc, shell_quoted(work.string()), shell_quoted((work / "program.cu").string()), shell_quoted((work / "cuda.o").string()),
          shell_quoted((work / "nvcc.log").string()), compile, source, shell_quoted((work / "program.o").string()),
          fmt::format("{} {}", opts.cxx, flags), shell_quoted(tmp_bin.string()), blas, libs);
    } else if (compile_units() == 2) {
      cmd = fmt::format(
          "{0} -DRNNC_TRAINING_UNIT -c {1} -o {2} 2>{3} & "
          "{0} -DRNNC_TRAINING_ELSEWHERE -c {1} -o {4}; rest=$?; wait $!; training=$?; "
          "[ $rest = 0 ] || exit $rest; [ $training = 0 ] || {{ cat {3}; exit $training; }}; "
          "{0} {4} {2} -o {5}{6}",
          compile, source, shell_quoted((work / "training.o").string()), shell_quoted((work / "training.log").string()),
          shell_quoted((work / "program.o").string()), shell_quoted(tmp_bin.string()), blas);
    } else {
      cmd = fmt::format("{} {} -o {}{}", compile, source, shell_quoted(tmp_bin.string()), blas);
    }
    if (opts.verbose) fmt::print(stderr, "rnnc: {}\n", cmd);
    std::string log;
    int rc = run_command(cmd, log);
    if (rc != 0) {
      remove_work.keep();  // for the reader; a later rnnc removes it (remove_stale_build_folders)
      throw CompileError(
          fmt::format("error: the C++ compiler failed on the code emitted for {} (exit {}); the source is "
                      "in {}\n{}",
                      model_name, rc, work.string(), log));
    }
    make_folders(cached.parent_path());
    fs::rename(tmp_bin, cached, ec);
    if (ec) fs_error("put the program into the cache as", cached, ec, kCacheHint);
  }
  // Into place through a temporary file beside it, removed if anything fails.
  fs::path tmp_out = out;
  tmp_out += ".rnnc-tmp";
  RemoveOnExit remove_tmp(tmp_out);
  fs::copy_file(cached, tmp_out, fs::copy_options::overwrite_existing, ec);
  if (ec) fs_error("write", tmp_out, ec);
  fs::rename(tmp_out, out, ec);
  if (ec) fs_error("write the program to", out, ec);
  remove_tmp.keep();
}

namespace {

// The probe's compile command's pieces: flags (with the macros) and libraries.
void probe_command(const BuildOptions& opts, std::string& flags, std::string& libs) {
  for (const std::string& f : host_cxx_flags(opts)) flags += (flags.empty() ? "" : " ") + shell_quoted(f);
  flags += opts.blas_archive.empty() ? "" : " -DRNNC_BLAS";
  flags += opts.dnnl ? kDnnlCompile : "";
  libs = opts.blas_archive.empty() ? "" : " " + shell_quoted(opts.blas_archive);
  libs += opts.dnnl ? kDnnlLink : "";
}

}  // namespace

std::string plan_probe_key(const BuildOptions& opts) {
  std::string flags, libs;
  probe_command(opts, flags, libs);
  std::string key_text = "plan probe\n" + opts.cxx + "\n" + flags + "\n" + libs;
  for (const auto& f : embedded_files()) key_text += f.text;
  return fmt::format("{:016x}", fnv1a(key_text));
}

std::string plan_probe(const BuildOptions& opts) {
  std::string flags, libs;
  probe_command(opts, flags, libs);
  const std::string key = plan_probe_key(opts);
  const fs::path root = usable_cache_root();
  const fs::path probe = root / ("plan-probe-" + key) / "plan_probe";
  std::error_code ec;
  if (fs::exists(probe, ec)) return probe.string();
  fs::path work = root / (key + ".build." + std::to_string(getpid()));
  fs::remove_all(work, ec);
  make_folders(work);
  RemoveOnExit remove_work(work);
  for (const auto& f : embedded_files())
    if (std::string(f.path).rfind("rnnc/", 0) == 0) write_text(work / f.path, f.text);
  write_text(work / "plan_probe.cpp", embedded_file("templates/plan_probe.cpp.tmpl"));
  const std::string cmd = fmt::format("{} {} -I {} {} -o {}{}", opts.cxx, flags, shell_quoted(work.string()),
                                      shell_quoted((work / "plan_probe.cpp").string()), shell_quoted((work / "plan_probe").string()), libs);
  if (opts.verbose) fmt::print(stderr, "rnnc: {}\n", cmd);
  std::string log;
  if (run_command(cmd, log) != 0)
    throw CompileError(fmt::format("rnnc: error: the C++ compiler failed on the plan's probe (--plan fixed needs none)\n{}", log));
  make_folders(probe.parent_path());
  fs::rename(work / "plan_probe", probe, ec);
  if (ec) fs_error("put the plan's probe into the cache as", probe, ec, kCacheHint);
  return probe.string();
}

}  // namespace rnnc
