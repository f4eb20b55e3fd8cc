// Which cfg section a line of emitted C++ came from. The emitter writes a
// marker comment above each block of code it emits for a layer:
//     // [rnn] rnn0 (/path/tiny.cfg:15:1): what the block computes
//     // [rnn] rnn0, /path/tiny.cfg:15:1          (the block's constants)
// and this reads them back, so that an error in the emitted code can name the
// cfg line responsible.
#pragma once
#include <optional>
#include <string>

#include "diag.h"

namespace rnnc {

struct EmittedOrigin {
  std::string kind;     // "rnn"
  std::string layer;    // "rnn0"
  SourceLoc loc;        // the cfg section: file, line, column
  int marker_line = 0;  // the emitted line (1-based) holding the marker comment
};

// Parses one marker comment line (leading spaces allowed); nullopt if LINE is no marker.
std::optional<EmittedOrigin> parse_origin_marker(const std::string& line);

// The block that emitted line LINE (1-based) of SOURCE belongs to: the nearest
// marker above it, as long as no blank line, no line indented less than the
// marker (the end of the enclosing scope) and no other marker comes between.
// nullopt for lines outside every layer's block (the template's own code).
std::optional<EmittedOrigin> origin_of_emitted_line(const std::string& source, int line);

}  // namespace rnnc
