// The flags and inputs several commands read the same way: -seed, -srand,
// -temp, -precision, and text on stdin.
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "error.h"
#include "flags.h"
#include "precision.h"

namespace rnnc {

// generate -len's limit: a terabyte of text per sample is far past any use,
// and keeps every count well inside 64 bits.
constexpr long long kMaxGenerateLength = 1000000000000LL;

// -len: the symbols to draw (default 1000), 0 to kMaxGenerateLength.
inline long long read_len_flag(Flags& f) {
  long long len = f.integer("-len", 1000);
  if (len < 0) fail("-len must be 0 or more, got %lld", len);
  if (len > kMaxGenerateLength) fail("-len must be at most %lld, got %lld", kMaxGenerateLength, len);
  return len;
}

inline void check_text_seed(const std::string& seed, int inputs, bool allow_empty) {
  if (seed.empty() && !allow_empty)
    fail("-seed must not be empty: the first character is what the model continues from");
  for (unsigned char c : seed)
    if (c >= inputs) fail("-seed holds byte %d, but the model reads only bytes 0..%d", c, inputs - 1);
}

// -precision fp32|bf16|int8, for the commands that run inference.
inline void read_precision_flag(Flags& f) {
  std::string p = f.str("-precision", "fp32");
  if (p == "fp32")
    weight_precision() = Precision::Fp32;
  else if (p == "bf16")
    weight_precision() = Precision::Bf16;
  else if (p == "int8")
    weight_precision() = Precision::Int8;
  else
    fail("-precision is fp32, bf16 or int8, got '%s'", p.c_str());
}

// -srand: any value srand() takes, negative ones as C converts them.
inline long long read_srand_flag(Flags& f, long long def) {
  return f.integer("-srand", def, -2147483648LL, 4294967295LL);
}

// -temp: checked as the float it becomes (1e-50 is a fine double but 0 as a
// float, and a denormal divides the logits into infinities).
inline float read_temp_flag(Flags& f, const char* name = "-temp") {
  double t = f.real(name, .7);
  float tf = static_cast<float>(t);
  if (!(tf > 0) || !std::isnormal(tf))
    fail("%s must be a number above 0 that a float holds in full precision (%g to %g), got %g", name, double(FLT_MIN),
         double(FLT_MAX), t);
  return tf;
}

// Reads stdin whole and checks every byte is one the model takes.
inline std::vector<unsigned char> read_stdin_text(int inputs) {
  std::vector<unsigned char> text;
  int ch;
  while ((ch = std::getchar()) != EOF) {
    if (ch >= inputs) fail("stdin: byte %d at offset %zu is outside the model's %d inputs", ch, text.size(), inputs);
    text.push_back(static_cast<unsigned char>(ch));
  }
  return text;
}

}  // namespace rnnc
