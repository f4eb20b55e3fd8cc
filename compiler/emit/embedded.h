// The runtime headers and templates, compiled into rnnc itself so that rnnc
// needs no file of ours beside it to build a program.
#pragma once
#include <string>
#include <vector>

namespace rnnc {

struct EmbeddedFile {
  const char* path;  // "rnnc/random.h", "templates/program.cpp.tmpl"
  const char* text;
};

const std::vector<EmbeddedFile>& embedded_files();
// The text of one embedded file; throws if there is none.
std::string embedded_file(const std::string& path);

}  // namespace rnnc
