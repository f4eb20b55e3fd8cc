// A random generator that returns the same sequence as glibc's srand()/rand()
// (the default TYPE_3 additive feedback generator), so a generated program
// prints the same text as darknet on Linux whatever C library it runs on.
#pragma once
#include <cstdint>

namespace rnnc {

class GlibcRandom {
 public:
  static constexpr int kRandMax = 2147483647;

  explicit GlibcRandom(unsigned seed = 1) { reseed(seed); }

  // glibc's srandom_r: a Lehmer sequence fills 31 words, then 310 outputs
  // are thrown away.
  void reseed(unsigned seed) {
    if (seed == 0) seed = 1;
    int32_t word = static_cast<int32_t>(seed);
    r_[0] = word;
    for (int i = 1; i < 31; ++i) {
      long hi = word / 127773;
      long lo = word % 127773;
      word = static_cast<int32_t>(16807 * lo - 2836 * hi);
      if (word < 0) word += 2147483647;
      r_[i] = word;
    }
    front_ = 3;
    rear_ = 0;
    for (int i = 0; i < 310; ++i) next();
  }

  // One rand() value in [0, RAND_MAX].
  int next() {
    uint32_t v = static_cast<uint32_t>(r_[front_]) + static_cast<uint32_t>(r_[rear_]);
    r_[front_] = static_cast<int32_t>(v);
    front_ = front_ == 30 ? 0 : front_ + 1;
    rear_ = rear_ == 30 ? 0 : rear_ + 1;
    return static_cast<int>(v >> 1);
  }

  // darknet's rand_uniform(0, 1): (float)rand()/RAND_MAX, in float.
  float uniform01() { return static_cast<float>(next()) / static_cast<float>(kRandMax); }

  // darknet's rand_uniform(lo, hi).
  float uniform(float lo, float hi) {
    if (hi < lo) { float t = lo; lo = hi; hi = t; }
    return uniform01() * (hi - lo) + lo;
  }

  // darknet's rand_size_t(): eight rand() bytes, most significant first.
  uint64_t next_size() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint64_t>(next() & 0xff);
    return v;
  }

  // Skip n values (darknet's weight initialisation before a weights file loads).
  void discard(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) next();
  }

  // The whole state, for checkpoints that resume exactly.
  struct State {
    int32_t r[31];
    int32_t front, rear;
  };
  State state() const {
    State s{};
    for (int i = 0; i < 31; ++i) s.r[i] = r_[i];
    s.front = front_;
    s.rear = rear_;
    return s;
  }
  // A state glibc's generator can be in: both indices in 0..30 and front
  // three words ahead of rear (reseed sets 3 and 0; next() moves both by one).
  // Anything else would index r_ out of bounds or run a different sequence.
  static bool valid_state(const State& s) {
    if (s.front < 0 || s.front > 30 || s.rear < 0 || s.rear > 30) return false;
    return s.front == (s.rear + 3) % 31;
  }
  // Returns false, leaving the generator as it was, for a state that is not valid.
  bool set_state(const State& s) {
    if (!valid_state(s)) return false;
    for (int i = 0; i < 31; ++i) r_[i] = s.r[i];
    front_ = s.front;
    rear_ = s.rear;
    return true;
  }

 private:
  int32_t r_[31];
  int front_ = 3, rear_ = 0;
};

}  // namespace rnnc
