// How interpretable a hidden unit looks (visualise's index page): simple
// features of the text, one value per character, and each unit's Pearson
// correlation with them over the same characters (Karpathy's "quote
// detection cell", "line length tracking cell": units that follow one).
// A unit's score is its largest |r| over the features.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace rnnc::interpret {

// The features at character t describe the text up to and including t:
// what the network has read when its state is taken, after stepping on t.
enum Feature { kInQuotes, kInBrackets, kLinePosition, kAfterNewline, kInWord, kFeatures };

inline const char* feature_name(int f) {
  static const char* const names[kFeatures] = {"inside quotes", "inside brackets", "position in the line",
                                               "just read a newline", "inside a word"};
  return names[f];
}

inline const char* feature_help(int f) {
  static const char* const help[kFeatures] = {
      "1 from an opening \" to its closing \" (both included), else 0",
      "1 while more (, [ or { are open than closed (the closing one included), else 0",
      "characters since the last newline (0 at a newline)",
      "1 where the character is a newline, else 0",
      "1 on a letter or digit, else 0"};
  return help[f];
}

// features[f][t] for every feature f and character t.
inline std::vector<std::vector<double>> text_features(const unsigned char* text, size_t n) {
  std::vector<std::vector<double>> x(kFeatures, std::vector<double>(n));
  bool quoted = false;
  long depth = 0;
  double column = 0;
  for (size_t t = 0; t < n; ++t) {
    unsigned char c = text[t];
    bool was_quoted = quoted;
    if (c == '"') quoted = !quoted;
    x[kInQuotes][t] = (quoted || was_quoted) ? 1 : 0;
    bool was_open = depth > 0;
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    x[kInBrackets][t] = (depth > 0 || was_open) ? 1 : 0;
    column = c == '\n' ? 0 : column + 1;
    x[kLinePosition][t] = column;
    x[kAfterNewline][t] = c == '\n' ? 1 : 0;
    x[kInWord][t] = ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9') ? 1 : 0;
  }
  return x;
}

// Pearson's r of a[i*stride] and b[i], i < n; 0 where either is constant
// (there is nothing to follow) or n < 2.
inline double correlation(const float* a, size_t stride, const double* b, size_t n) {
  if (n < 2) return 0;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    ma += a[i * stride];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    double da = a[i * stride] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (!(saa > 1e-12 * n) || !(sbb > 0)) return 0;
  double r = sab / std::sqrt(saa * sbb);
  return std::isfinite(r) ? std::clamp(r, -1.0, 1.0) : 0;
}

struct UnitScore {
  int state = 0;  // which of the model's states
  int index = 0;  // the unit within it
  double r[kFeatures] = {};
  int best = 0;  // the feature of the largest |r|
  double score = 0;  // |r[best]|
};

// Scores every unit: values[s] holds state s over the characters, n x size[s]
// row-major (character t's values at t * size[s]). Best first; ties keep the
// model's order.
inline std::vector<UnitScore> rank_units(const std::vector<const float*>& values, const std::vector<int>& size,
                                         const std::vector<std::vector<double>>& features, size_t n) {
  std::vector<UnitScore> all;
  for (size_t s = 0; s < values.size(); ++s)
    for (int j = 0; j < size[s]; ++j) {
      UnitScore u;
      u.state = static_cast<int>(s);
      u.index = j;
      for (int f = 0; f < kFeatures; ++f) {
        u.r[f] = correlation(values[s] + j, static_cast<size_t>(size[s]), features[f].data(), n);
        if (std::fabs(u.r[f]) > u.score) {
          u.score = std::fabs(u.r[f]);
          u.best = f;
        }
      }
      all.push_back(u);
    }
  std::stable_sort(all.begin(), all.end(), [](const UnitScore& a, const UnitScore& b) { return a.score > b.score; });
  return all;
}

}  // namespace rnnc::interpret
