// The training text: read whole, checked before any work starts.
#pragma once
#include <string>
#include <vector>

#include "error.h"
#include "files.h"

namespace rnnc {

struct TextData {
  std::vector<unsigned char> text;
};

// darknet aborts mid-run on a 0 byte (and reads only up to it); we refuse
// any byte the model cannot take, up front, with its offset.
inline TextData load_text_data(const std::string& path, int inputs, int time_steps) {
  TextData d;
  d.text = read_whole_file(path, "training data");
  if (d.text.empty()) fail("%s: the training file is empty", path.c_str());
  if (d.text.size() < size_t(time_steps) + 1)
    fail("%s: %zu bytes is shorter than time_steps+1 = %d: a stream needs at least that much text", path.c_str(),
         d.text.size(), time_steps + 1);
  for (size_t i = 0; i < d.text.size(); ++i) {
    int c = d.text[i];
    if (c == 0)
      fail("%s: byte %zu is 0 (NUL); darknet's trainer cannot take it: is this a binary file?", path.c_str(), i);
    if (c >= inputs) fail("%s: byte %zu is %d, but the model reads only bytes 0..%d", path.c_str(), i, c, inputs - 1);
  }
  return d;
}

}  // namespace rnnc
