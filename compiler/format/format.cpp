#include "format/format.h"

#include <clang/Format/Format.h>
#include <clang/Tooling/Core/Replacement.h>
#include <llvm/Support/Error.h>

#include <stdexcept>

#include "emit/embedded.h"

namespace rnnc {

namespace {

clang::format::FormatStyle load_style() {
  clang::format::FormatStyle style = clang::format::getLLVMStyle(clang::format::FormatStyle::LK_Cpp);
  if (std::error_code ec = clang::format::parseConfiguration(format_style_text(), &style))
    throw std::runtime_error("cannot read the embedded .clang-format: " + ec.message());
  return style;
}

std::string format_once(const clang::format::FormatStyle& style, const std::string& code,
                        const std::string& file_name) {
  std::vector<clang::tooling::Range> ranges = {clang::tooling::Range(0, static_cast<unsigned>(code.size()))};
  clang::format::FormattingAttemptStatus status;
  clang::tooling::Replacements repl = clang::format::reformat(style, code, ranges, file_name, &status);
  llvm::Expected<std::string> out = clang::tooling::applyAllReplacements(code, repl);
  if (!out) throw std::runtime_error("formatting " + file_name + " failed: " + llvm::toString(out.takeError()));
  return *out;
}

}  // namespace

const std::string& format_style_text() {
  static const std::string text = embedded_file(".clang-format");
  return text;
}

std::string format_cpp(const std::string& source, const std::string& file_name) {
  static const clang::format::FormatStyle style = load_style();
  // clang-format is meant to be idempotent; run it until it is, to be sure the
  // result is a fixed point (one or two passes in practice).
  std::string text = format_once(style, source, file_name);
  for (int pass = 0; pass < 4; ++pass) {
    std::string again = format_once(style, text, file_name);
    if (again == text) return text;
    text = std::move(again);
  }
  throw std::runtime_error("formatting " + file_name + " does not settle: clang-format keeps changing it");
}

}  // namespace rnnc
