// Word-level models (darknet's -tokenized and -tokens) and the inputs that
// several commands read the same way: a vocabulary file (one token a line,
// `<NEWLINE>` standing for "\n"), a file of whitespace-separated token ids,
// the seed (-seed TEXT or -seed_file FILE), and how a symbol is printed.
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "files.h"
#include "flags.h"
#include "params.h"

namespace rnnc {

// A vocabulary file, darknet's read_tokens: line i is token i (its '\n'
// removed); the line `<NEWLINE>` is "\n". Refuses a file with fewer lines
// than the model has inputs: darknet would print from past its array.
inline std::vector<std::string> read_vocabulary(const std::string& path, int inputs) {
  std::vector<unsigned char> bytes = read_whole_file(path, "vocabulary (-tokens)");
  if (bytes.empty()) fail("%s: the vocabulary (-tokens) is empty; it needs one token a line, %d lines", path.c_str(), inputs);
  std::vector<std::string> tokens;
  std::string line;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == 0) fail("%s: byte %zu is 0 (NUL): not a vocabulary file", path.c_str(), i);
    if (bytes[i] != '\n') {
      line += static_cast<char>(bytes[i]);
      if (i + 1 < bytes.size()) continue;
    }
    tokens.push_back(line == "<NEWLINE>" ? "\n" : line);
    line.clear();
  }
  if (tokens.size() < size_t(inputs))
    fail("%s: the vocabulary (-tokens) has %zu lines, but the model has %d inputs: it needs one token for each id",
         path.c_str(), tokens.size(), inputs);
  return tokens;
}

// A file of token ids (darknet's read_tokenized_data): whitespace-separated
// integers, each in 0..inputs-1. An id out of range is darknet's "Bad char";
// we say where it is, and refuse what darknet's fscanf would silently stop at.
inline std::vector<Symbol> read_token_ids(const std::string& path, int inputs) {
  std::vector<unsigned char> bytes = read_whole_file(path, "token ids (-tokenized -file)");
  std::vector<Symbol> ids;
  size_t line = 1;
  for (size_t i = 0; i < bytes.size();) {
    unsigned char ch = bytes[i];
    if (ch == '\n') ++line;
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < bytes.size() && !std::strchr(" \n\t\r\v\f", bytes[i]) && bytes[i] != 0) ++i;
    std::string word(bytes.begin() + long(start), bytes.begin() + long(i));
    if (i < bytes.size() && bytes[i] == 0) word += "\\0";
    char* end = nullptr;
    errno = 0;
    long long v = word.empty() ? 0 : std::strtoll(word.c_str(), &end, 10);
    if (word.empty() || *end || errno)
      fail("%s: token %zu (line %zu, byte %zu) is '%.40s', not an integer id: -tokenized data is whitespace-separated "
           "integers",
           path.c_str(), ids.size() + 1, line, start, word.c_str());
    if (v < 0 || v >= inputs)
      fail("%s: token %zu (line %zu, byte %zu) is id %lld, but the model's ids are 0..%d (darknet: Bad char)", path.c_str(),
           ids.size() + 1, line, start, v, inputs - 1);
    ids.push_back(static_cast<Symbol>(v));
  }
  if (ids.empty()) fail("%s: the token ids file (-tokenized -file) holds no ids", path.c_str());
  return ids;
}

// The seed: -seed TEXT or the bytes of -seed_file FILE (not both).
inline std::string read_seed_flags(Flags& f, const std::string& def) {
  std::string seed, file;
  bool has_seed = f.find_value("-seed", seed);
  bool has_file = f.find_value("-seed_file", file);
  if (has_seed && has_file) fail("-seed and -seed_file both give the seed: use one of them");
  if (!has_file) return has_seed ? seed : def;
  std::vector<unsigned char> bytes = read_whole_file(file, "seed file (-seed_file)");
  if (bytes.empty()) fail("-seed_file %s: the file is empty", file.c_str());
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] == 0) fail("-seed_file %s: byte %zu is 0 (NUL); a seed is text", file.c_str(), i);
  return std::string(bytes.begin(), bytes.end());
}

// How a symbol is printed: its byte, or with -tokens its token and a space
// (darknet's print_symbol).
struct SymbolText {
  const std::vector<std::string>* vocabulary = nullptr;
  void append(std::string& out, Symbol c) const {
    if (vocabulary) {
      out += (*vocabulary)[size_t(c)];
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  void print(Symbol c, FILE* f = stdout) const {
    if (vocabulary) {
      const std::string& t = (*vocabulary)[size_t(c)];
      std::fwrite(t.data(), 1, t.size(), f);
      std::putc(' ', f);
    } else {
      std::putc(c, f);
    }
  }
};

}  // namespace rnnc
