// Formats emitted C++ with Clang's formatting library, in the style of the
// repository's .clang-format (embedded into rnnc), so that what rnnc writes
// reads like hand-written code and is the same bytes on every run.
#pragma once
#include <string>

namespace rnnc {

// The style rnnc formats with: the text of the embedded .clang-format.
const std::string& format_style_text();

// SOURCE formatted; formatting the result again changes nothing. FILE_NAME
// is only used in error messages. Throws std::runtime_error if the style
// cannot be read or the formatter fails.
std::string format_cpp(const std::string& source, const std::string& file_name = "program.cpp");

}  // namespace rnnc
