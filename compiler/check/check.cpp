#include "check/check.h"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/FileManager.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/FrontendActions.h>
#include <clang/Tooling/Tooling.h>
#include <fmt/format.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/VirtualFileSystem.h>

#include <algorithm>
#include <optional>

#include "check/origin.h"
#include "diag.h"
#include "emit/embedded.h"

// Clang's own headers (stddef.h, immintrin.h, ...), found by CMake.
#ifdef RNNC_CONFIGURED_CLANG_RESOURCE_DIR
#define RNNC_CLANG_RESOURCE_DIR RNNC_CONFIGURED_CLANG_RESOURCE_DIR
#else
#define RNNC_CLANG_RESOURCE_DIR "/usr/lib/llvm-14/lib/clang/14.0.6"
#endif

namespace rnnc {

namespace {

// Where the source and the runtime headers live in the in-memory file system.
const char* kRoot = "/rnnc-check";

struct Reported {
  clang::DiagnosticsEngine::Level level;
  std::string message;
  std::string file;  // as Clang names it: "/rnnc-check/program.cpp"
  int line = 0, column = 0;
};

class Collector : public clang::DiagnosticConsumer {
 public:
  std::vector<Reported> reported;
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
    clang::DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level != clang::DiagnosticsEngine::Error && level != clang::DiagnosticsEngine::Fatal &&
        level != clang::DiagnosticsEngine::Note)
      return;
    Reported r;
    r.level = level;
    llvm::SmallString<256> text;
    info.FormatDiagnostic(text);
    r.message = text.str().str();
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      const clang::SourceManager& sm = info.getSourceManager();
      clang::PresumedLoc p = sm.getPresumedLoc(sm.getExpansionLoc(info.getLocation()));
      if (p.isValid()) {
        r.file = p.getFilename();
        r.line = static_cast<int>(p.getLine());
        r.column = static_cast<int>(p.getColumn());
      }
    }
    reported.push_back(std::move(r));
  }
};

std::string line_of(const std::string& source, int line) {
  size_t at = 0;
  for (int i = 1; i < line; ++i) {
    at = source.find('\n', at);
    if (at == std::string::npos) return "";
    ++at;
  }
  size_t end = source.find('\n', at);
  return source.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string shown_name(const std::string& file, const std::string& main_file, const std::string& file_name) {
  if (file == main_file) return file_name;
  std::string root = std::string(kRoot) + "/";
  if (file.rfind(root, 0) == 0) return file.substr(root.size());
  return file;
}

}  // namespace

std::vector<std::string> check_base_args() {
  return {"-std=c++17", "-fsyntax-only", "-w", "-fno-caret-diagnostics", "-ferror-limit=20", "-resource-dir", RNNC_CLANG_RESOURCE_DIR,
          std::string("-I") + kRoot};
}

std::vector<CheckError> find_errors(const std::string& source, const CheckOptions& opts) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> fs(
      new llvm::vfs::OverlayFileSystem(llvm::vfs::getRealFileSystem()));
  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> memory(new llvm::vfs::InMemoryFileSystem);
  fs->pushOverlay(memory);
  const std::string main_file = std::string(kRoot) + "/program.cpp";
  memory->addFile(main_file, 0, llvm::MemoryBuffer::getMemBufferCopy(source, main_file));
  for (const auto& f : embedded_files()) {
    std::string path = f.path;
    if (path.rfind("rnnc/", 0) != 0) continue;  // "rnnc/x.h", "rnnc/train/x.h"
    std::string full = std::string(kRoot) + "/" + path;
    memory->addFile(full, 0, llvm::MemoryBuffer::getMemBuffer(f.text, full));
  }
  llvm::IntrusiveRefCntPtr<clang::FileManager> files(new clang::FileManager(clang::FileSystemOptions(), fs));

  std::vector<std::string> argv = {"rnnc-check"};
  argv.insert(argv.end(), opts.args.begin(), opts.args.end());
  for (const auto& a : check_base_args()) argv.push_back(a);
  argv.push_back(main_file);

  Collector collector;
  clang::tooling::ToolInvocation invocation(argv, std::make_unique<clang::SyntaxOnlyAction>(), files.get());
  invocation.setDiagnosticConsumer(&collector);
  bool ok = invocation.run();

  std::vector<CheckError> errors;
  for (size_t i = 0; i < collector.reported.size(); ++i) {
    const Reported& r = collector.reported[i];
    if (r.level == clang::DiagnosticsEngine::Note) continue;
    CheckError e;
    e.message = r.message;
    e.where = r.line ? fmt::format("{}:{}:{}", shown_name(r.file, main_file, opts.file_name), r.line, r.column)
                     : shown_name(r.file, main_file, opts.file_name);
    if (r.file == main_file) {
      e.line = r.line;
      e.column = r.column;
    } else {
      // An error inside a runtime header: the notes after it ("in instantiation
      // of ... requested here") lead back to the emitted line that caused it.
      for (size_t j = i + 1; j < collector.reported.size(); ++j) {
        const Reported& n = collector.reported[j];
        if (n.level != clang::DiagnosticsEngine::Note) break;
        if (n.file == main_file) {
          e.line = n.line;
          e.column = n.column;
          break;
        }
      }
    }
    errors.push_back(std::move(e));
  }
  if (!ok && errors.empty()) {
    CheckError e;
    e.message = "clang could not parse the emitted source (no diagnostic given)";
    e.where = opts.file_name;
    errors.push_back(e);
  }
  return errors;
}

std::string describe_errors(const std::string& source, const std::vector<CheckError>& errors,
                            const CheckOptions& opts) {
  if (errors.empty()) return "";
  std::string body;
  int shown = 0;
  std::optional<EmittedOrigin> first_origin;
  for (const auto& e : errors) {
    if (shown == std::max(1, opts.max_errors)) break;
    std::optional<EmittedOrigin> o;
    if (e.line > 0) o = origin_of_emitted_line(source, e.line);
    if (shown == 0) first_origin = o;
    body += fmt::format("\n{}: error: {}", e.where, e.message);
    if (o)
      body += fmt::format("\n  in the code emitted for [{}] {} ({})", o->kind, o->layer, o->loc.str());
    if (e.line > 0) {
      std::string where = fmt::format("{}:{}", opts.file_name, e.line);
      if (e.where.rfind(where + ":", 0) != 0) body += fmt::format("\n  from {}", where);
      body += fmt::format("\n  {:5} | {}", e.line, line_of(source, e.line));
    }
    ++shown;
  }
  if (static_cast<int>(errors.size()) > shown) body += fmt::format("\n({} more errors)", errors.size() - shown);
  if (first_origin)
    return fmt::format("{}: error: the C++ emitted for [{}] {} does not compile (a bug in rnnc):{}",
                       first_origin->loc.str(), first_origin->kind, first_origin->layer, body);
  return fmt::format("rnnc: error: the emitted C++ ({}) does not compile (a bug in rnnc):{}", opts.file_name, body);
}

void check_emitted_source(const std::string& source, const CheckOptions& opts) {
  std::vector<CheckError> errors = find_errors(source, opts);
  if (!errors.empty()) throw CompileError(describe_errors(source, errors, opts));
}

}  // namespace rnnc
