// tokenize -file TEXT -vocab N -o PREFIX: the two files a word-level model
// (train -tokenized, generate -tokens) reads, from plain text, in the form of
// darknet's word-level example: tokens are the text's whitespace-separated
// words, punctuation kept as written ("you," is one token); every "\n" is a
// token of its own, `<NEWLINE>`. PREFIX.tokens holds `<UNK>` (id 0, every
// word outside the vocabulary) and then the N-1 most frequent tokens, most
// frequent first, ties in order of first appearance; PREFIX.ids the text as
// ids, 20 a line.
#pragma once
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "../files.h"
#include "../flags.h"
#include "../model.h"

namespace rnnc {

template <class Model>
int cmd_tokenize(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string file = f.str("-file", "");
  long long vocab = f.integer("-vocab", info.inputs, 2, 1 << 24);
  std::string prefix = f.str("-o", "");
  f.finish("tokenize");
  if (file.empty() || prefix.empty())
    fail("tokenize: usage: tokenize -file TEXT [-vocab N] -o PREFIX (writes PREFIX.tokens and PREFIX.ids)");
  std::vector<unsigned char> text = read_whole_file(file, "text (-file)");

  // The tokens in order, each as its index in `words`.
  std::vector<std::string> words;
  std::unordered_map<std::string, size_t> index;
  std::vector<long long> count;
  std::vector<size_t> sequence;
  auto add = [&](std::string w) {
    auto it = index.find(w);
    size_t k;
    if (it == index.end()) {
      k = words.size();
      index.emplace(w, k);
      words.push_back(std::move(w));
      count.push_back(0);
    } else {
      k = it->second;
    }
    ++count[k];
    sequence.push_back(k);
  };
  std::string w;
  for (size_t i = 0; i <= text.size(); ++i) {
    int ch = i < text.size() ? text[i] : ' ';
    if (ch == 0) fail("%s: byte %zu is 0 (NUL): tokenize reads plain text", file.c_str(), i);
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f') {
      if (!w.empty()) add(std::move(w));
      w.clear();
      if (ch == '\n') add("\n");
    } else {
      w += static_cast<char>(ch);
    }
  }
  if (sequence.empty()) fail("%s: the text holds no tokens (it is empty or only spaces)", file.c_str());

  // Most frequent first; ties in order of first appearance (words is in that order).
  // The markers themselves, written in the text, stay outside the vocabulary.
  std::vector<size_t> order;
  for (size_t k = 0; k < words.size(); ++k)
    if (words[k] != "<UNK>" && words[k] != "<NEWLINE>") order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return count[a] > count[b]; });
  if (order.size() < size_t(vocab - 1))
    fail("%s: the text has only %zu distinct tokens, too few for -vocab %lld: use -vocab %zu or less (and inputs=%zu "
         "in the cfg)",
         file.c_str(), order.size(), vocab, order.size() + 1, order.size() + 1);
  order.resize(size_t(vocab - 1));
  std::vector<long long> id(words.size(), 0);
  for (size_t r = 0; r < order.size(); ++r) id[order[r]] = static_cast<long long>(r + 1);

  write_file_atomically(prefix + ".tokens", [&](FILE* out) {
    std::fputs("<UNK>\n", out);
    for (size_t k : order) {
      std::fputs(words[k] == "\n" ? "<NEWLINE>" : words[k].c_str(), out);
      std::fputc('\n', out);
    }
  });
  write_file_atomically(prefix + ".ids", [&](FILE* out) {
    for (size_t i = 0; i < sequence.size(); ++i)
      std::fprintf(out, (i % 20 == 19 || i + 1 == sequence.size()) ? "%lld\n" : "%lld ", id[sequence[i]]);
  });
  long long unknown = 0;
  for (size_t k : sequence) unknown += id[k] == 0;
  std::fprintf(stderr, "%s: %zu tokens, %zu distinct; wrote %s.tokens (%lld lines) and %s.ids (%.1f%% <UNK>)\n",
               file.c_str(), sequence.size(), words.size(), prefix.c_str(), vocab, prefix.c_str(),
               100. * double(unknown) / double(sequence.size()));
  if (vocab != info.inputs)
    std::fprintf(stderr, "note: -vocab %lld differs from this model's inputs=%d; a model for it needs inputs=%lld\n", vocab,
                 info.inputs, vocab);
  return 0;
}

}  // namespace rnnc
