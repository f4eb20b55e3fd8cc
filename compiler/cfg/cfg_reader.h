// Reads darknet's INI-like cfg text into sections of key=value options, each
// with the file:line:column it came from. Knows nothing of layers.
#pragma once
#include <string>
#include <vector>

#include "diag.h"

namespace rnnc {

struct CfgOption {
  std::string key, value;
  SourceLoc loc;
  mutable bool used = false;  // set by whoever reads it; the rest are "unused fields"
};

struct CfgSection {
  std::string type;  // "net", "rnn", ... (without brackets)
  SourceLoc loc;
  std::vector<CfgOption> options;
  // The first option named `key` (darknet takes the first), or nullptr.
  const CfgOption* find(const std::string& key) const;
};

struct CfgFile {
  std::string path;
  std::vector<CfgSection> sections;
};

// darknet's rules: all whitespace in a line is dropped; '#' and ';' start
// comment lines; a line without '=' outside a section header is an error.
CfgFile parse_cfg(const std::string& text, const std::string& path);
CfgFile read_cfg(const std::string& path);

}  // namespace rnnc
