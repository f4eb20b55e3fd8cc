// Where generate's samples go, without holding them in memory. Every sample
// gets the same number of characters at each step (the seed, then one per
// step), so they are buffered a round of kRound characters at a time:
//  - to stdout (no -o): sample 0 streams straight out; samples 1..N-1 are
//    spooled round by round to one unlinked temporary file (tmpfile()) and
//    copied out after sample 0, so stdout reads: sample 0, newline, sample 1,
//    newline, ... exactly as when the samples were strings in memory;
//  - to a folder (-o DIR): DIR/sample_K.txt per sample (K from 0), appended
//    each round, each ending in the newline stdout would print after it, so
//    the files put together are what stdout would have been.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"

namespace rnnc {

class SampleOutput {
 public:
  static constexpr size_t kRound = 4096;  // characters per sample per round: N x 4 KiB in memory

  SampleOutput(int samples, std::string dir) : n_(samples), dir_(std::move(dir)), buf_(samples) {
    for (auto& b : buf_) b.reserve(kRound);
    if (!dir_.empty()) {
      if (::mkdir(dir_.c_str(), 0777) != 0 && errno != EEXIST)
        fail("-o: cannot create the folder '%s': %s", dir_.c_str(), std::strerror(errno));
      struct stat st;
      if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail("-o: '%s' is not a folder", dir_.c_str());
      // Create (or empty) every file now: an unwritable folder fails before any work.
      for (int s = 0; s < n_; ++s) close_file(open_file(s, "wb"), s);
    } else if (n_ > 1) {
      spool_ = std::tmpfile();
      if (!spool_) fail("generate -n: cannot create a temporary file for the samples: %s", std::strerror(errno));
    }
  }
  ~SampleOutput() {
    if (spool_) std::fclose(spool_);
  }

  // Appends c to sample s.
  void put(int s, unsigned char c) {
    if (s == 0 && dir_.empty())
      std::putc(c, stdout);
    else
      buf_[s].push_back(static_cast<char>(c));
  }

  // Appends a word-level symbol's text (-tokens) to sample s: samples then
  // differ in length, and the spool keeps each sample's length per round.
  void put_text(int s, const std::string& t) {
    variable_ = true;
    if (s == 0 && dir_.empty())
      std::fwrite(t.data(), 1, t.size(), stdout);
    else
      buf_[s] += t;
  }

  // Call after every sample got its character of this step.
  void end_step() {
    if (buffered() >= kRound) flush_round();
  }

  // The closing newlines, the spooled samples copied out, everything flushed.
  void finish() {
    for (int s = 0; s < n_; ++s) put(s, '\n');
    flush_round();
    if (dir_.empty()) {
      if (spool_) copy_spool();
      flush_stdout();
    }
  }

 private:
  size_t buffered() const { return buf_.size() > 1 ? buf_[1].size() : buf_[0].size(); }

  FILE* open_file(int s, const char* mode) {
    std::string path = dir_ + "/sample_" + std::to_string(s) + ".txt";
    FILE* f = std::fopen(path.c_str(), mode);
    if (!f) fail("-o: cannot write '%s': %s", path.c_str(), std::strerror(errno));
    return f;
  }
  void close_file(FILE* f, int s) {
    bool bad = std::ferror(f);
    if (std::fclose(f) != 0 || bad) fail("-o: cannot write '%s/sample_%d.txt': %s", dir_.c_str(), s, std::strerror(errno));
  }

  void flush_round() {
    size_t len = buffered();
    if (len == 0) return;
    if (!dir_.empty()) {
      // Opened per round: -n 4096 would otherwise hold 4096 descriptors.
      for (int s = 0; s < n_; ++s) {
        FILE* f = open_file(s, "ab");
        std::fwrite(buf_[s].data(), 1, buf_[s].size(), f);
        close_file(f, s);
      }
    } else {
      for (int s = 1; s < n_; ++s) std::fwrite(buf_[s].data(), 1, buf_[s].size(), spool_);
      if (std::ferror(spool_)) fail("generate -n: cannot write the temporary file: %s", std::strerror(errno));
      rounds_.push_back(len);
      if (variable_)
        for (int s = 1; s < n_; ++s) lengths_.push_back(buf_[s].size());
      flush_stdout();
    }
    for (auto& b : buf_) b.clear();
  }

  // Round r holds samples 1..N-1, rounds_[r] characters each, one after another.
  void copy_spool() {
    if (std::fflush(spool_) != 0) fail("generate -n: cannot write the temporary file: %s", std::strerror(errno));
    int fd = fileno(spool_);
    std::vector<char> chunk(kRound);
    for (int s = 1; s < n_; ++s) {
      off_t round_at = 0;
      for (size_t r = 0; r < rounds_.size(); ++r) {
        size_t len = rounds_[r];
        off_t at = round_at + off_t(s - 1) * off_t(len), round_len = off_t(n_ - 1) * off_t(len);
        if (variable_) {  // word-level: each sample's own length in this round
          const size_t* l = &lengths_[r * size_t(n_ - 1)];
          at = round_at, round_len = 0;
          for (int k = 1; k < n_; ++k) {
            if (k < s) at += off_t(l[k - 1]);
            round_len += off_t(l[k - 1]);
          }
          len = l[s - 1];
        }
        if (chunk.size() < len) chunk.resize(len);  // a long -seed makes the first round longer
        if (len && ::pread(fd, chunk.data(), len, at) != ssize_t(len))
          fail("generate -n: cannot read back the temporary file: %s", std::strerror(errno));
        std::fwrite(chunk.data(), 1, len, stdout);
        round_at += round_len;
      }
    }
  }

  int n_;
  std::string dir_;
  std::vector<std::string> buf_;
  FILE* spool_ = nullptr;
  std::vector<size_t> rounds_;  // characters per sample in each spooled round
  bool variable_ = false;       // word-level: samples' lengths differ
  std::vector<size_t> lengths_;  // then each sample's length (1..N-1) in each round
};

}  // namespace rnnc
