#include "cfg/cfg_reader.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace rnnc {

const CfgOption* CfgSection::find(const std::string& key) const {
  for (const auto& o : options)
    if (o.key == key) return &o;
  return nullptr;
}

CfgFile parse_cfg(const std::string& text, const std::string& path) {
  CfgFile cfg;
  cfg.path = path;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    // A NUL or other control byte (darknet's C reader would stop at a NUL and
    // read "inputs=256\0junk" as inputs=256): refused where it is.
    for (size_t i = 0; i < raw.size(); ++i) {
      unsigned char ch = static_cast<unsigned char>(raw[i]);
      if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
        throw CompileError(SourceLoc{path, line_no, static_cast<int>(i) + 1},
                           fmt::format("control character 0x{:02x} in the cfg; only printable text, tabs and line "
                                       "ends may appear",
                                       ch));
    }
    int column = 1;
    while (column <= static_cast<int>(raw.size()) && std::isspace(static_cast<unsigned char>(raw[column - 1]))) ++column;
    std::string line;
    for (char ch : raw)
      if (!std::isspace(static_cast<unsigned char>(ch))) line += ch;
    SourceLoc loc{path, line_no, column};
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']' || line.size() < 3)
        throw CompileError(loc, fmt::format("a section header looks like [rnn], got '{}'", line));
      cfg.sections.push_back(CfgSection{line.substr(1, line.size() - 2), loc, {}});
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      throw CompileError(loc, fmt::format("expected key=value or a [section], got '{}'", line));
    if (eq == 0) throw CompileError(loc, fmt::format("'{}' has no key before '='", line));
    if (eq + 1 == line.size()) throw CompileError(loc, fmt::format("'{}' has no value after '='", line));
    if (cfg.sections.empty())
      throw CompileError(loc, fmt::format("'{}' comes before any section; the file must start with [net]", line));
    cfg.sections.back().options.push_back(CfgOption{line.substr(0, eq), line.substr(eq + 1), loc});
  }
  return cfg;
}

CfgFile read_cfg(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CompileError(SourceLoc{path, 0, 0}, "cannot open the cfg file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_cfg(ss.str(), path);
}

}  // namespace rnnc
