// cfg sections -> model IR: darknet's defaults and size rules, with checks
// that name the file:line of anything wrong.
#pragma once
#include "cfg/cfg_reader.h"
#include "ir/model.h"

namespace rnnc {

// Throws CompileError on the first problem; darknet's "unused field" notes
// and other non-fatal remarks go to diags.
Model lower(const CfgFile& cfg, Diagnostics& diags);

// A char-RNN reads one-hot bytes and predicts the next: its last layer must
// be a [softmax] over `inputs` outputs (256 bytes, or a word-level model's vocabulary).
void check_text_model(const Model& m);

}  // namespace rnnc
