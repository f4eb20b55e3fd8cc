// generate -utf8's allowed-byte logic (runtime/rnnc/utf8.h), against a
// decoder written from RFC 3629's definition, state by state.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "rnnc/utf8.h"

using rnnc::Utf8State;

namespace {

// The set of bytes the state allows, as a 256-entry mask.
std::vector<bool> allowed(const Utf8State& u, long long room = 4) {
  std::vector<bool> a(256);
  for (unsigned b = 0; b < 256; ++b) a[b] = u.allows(b, room);
  return a;
}

std::vector<bool> range(unsigned lo, unsigned hi) {
  std::vector<bool> a(256);
  for (unsigned b = lo; b <= hi; ++b) a[b] = true;
  return a;
}

Utf8State after(std::initializer_list<unsigned> bytes) {
  Utf8State u;
  for (unsigned b : bytes) {
    REQUIRE(u.allows(b));
    u.push(b);
  }
  return u;
}

// Reference: is s a whole, valid UTF-8 string? Decodes each character and
// checks its length against its code point (no overlong), no surrogate, <= U+10FFFF.
bool valid_utf8(const std::vector<unsigned>& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned b = s[i];
    int len;
    unsigned cp;
    if (b < 0x80) len = 1, cp = b;
    else if ((b & 0xE0) == 0xC0) len = 2, cp = b & 0x1F;
    else if ((b & 0xF0) == 0xE0) len = 3, cp = b & 0x0F;
    else if ((b & 0xF8) == 0xF0) len = 4, cp = b & 0x07;
    else return false;
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    static const unsigned min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("utf8: between characters, ASCII and the lead bytes C2..F4 only") {
  Utf8State u;
  std::vector<bool> want = range(0x00, 0x7F);
  for (unsigned b = 0xC2; b <= 0xF4; ++b) want[b] = true;
  CHECK(allowed(u) == want);
  // Never allowed to start a character: continuation bytes, C0/C1 (overlong), F5..FF.
  for (unsigned b : {0x80u, 0xBFu, 0xC0u, 0xC1u, 0xF5u, 0xFFu}) CHECK_FALSE(u.allows(b));
  CHECK(u.between_characters());
}

TEST_CASE("utf8: sequence lengths of lead bytes") {
  CHECK(Utf8State::sequence_length(0x41) == 1);
  CHECK(Utf8State::sequence_length(0xC2) == 2);
  CHECK(Utf8State::sequence_length(0xDF) == 2);
  CHECK(Utf8State::sequence_length(0xE0) == 3);
  CHECK(Utf8State::sequence_length(0xEF) == 3);
  CHECK(Utf8State::sequence_length(0xF0) == 4);
  CHECK(Utf8State::sequence_length(0xF4) == 4);
  for (unsigned b : {0x80u, 0xBFu, 0xC0u, 0xC1u, 0xF5u, 0xF8u, 0xFFu}) CHECK(Utf8State::sequence_length(b) == 0);
}

TEST_CASE("utf8: continuation counts after 2-, 3- and 4-byte lead bytes") {
  Utf8State two = after({0xC3});
  CHECK(two.need == 1);
  CHECK(allowed(two) == range(0x80, 0xBF));
  CHECK(after({0xC3, 0xA9}).between_characters());  // é

  Utf8State three = after({0xE2});
  CHECK(three.need == 2);
  CHECK(allowed(three) == range(0x80, 0xBF));
  Utf8State three2 = after({0xE2, 0x82});
  CHECK(three2.need == 1);
  CHECK(allowed(three2) == range(0x80, 0xBF));
  CHECK(after({0xE2, 0x82, 0xAC}).between_characters());  // €

  Utf8State four = after({0xF0, 0x9F});
  CHECK(four.need == 2);
  CHECK(allowed(four) == range(0x80, 0xBF));
  CHECK(allowed(after({0xF0, 0x9F, 0x98})) == range(0x80, 0xBF));
  CHECK(after({0xF0, 0x9F, 0x98, 0x80}).between_characters());  // 😀
}

TEST_CASE("utf8: the second byte after E0, ED, F0, F4 (overlong, surrogate, past U+10FFFF)") {
  CHECK(allowed(after({0xE0})) == range(0xA0, 0xBF));  // E0 80..9F: overlong
  CHECK(allowed(after({0xED})) == range(0x80, 0x9F));  // ED A0..BF: surrogates
  CHECK(allowed(after({0xF0})) == range(0x90, 0xBF));  // F0 80..8F: overlong
  CHECK(allowed(after({0xF4})) == range(0x80, 0x8F));  // F4 90..BF: past U+10FFFF
  for (unsigned b : {0xE1u, 0xECu, 0xEEu, 0xEFu, 0xF1u, 0xF3u}) {
    CAPTURE(b);
    CHECK(allowed(after({b})) == range(0x80, 0xBF));
  }
  // Only the second byte is narrowed: the third is any continuation.
  CHECK(allowed(after({0xE0, 0xA0})) == range(0x80, 0xBF));
  CHECK(allowed(after({0xED, 0x9F})) == range(0x80, 0xBF));
  CHECK(allowed(after({0xF4, 0x8F})) == range(0x80, 0xBF));
  CHECK(allowed(after({0xF4, 0x8F, 0xBF})) == range(0x80, 0xBF));
}

TEST_CASE("utf8: room left refuses lead bytes whose character would not fit") {
  Utf8State u;
  std::vector<bool> one = range(0x00, 0x7F);
  CHECK(allowed(u, 1) == one);
  std::vector<bool> two = one;
  for (unsigned b = 0xC2; b <= 0xDF; ++b) two[b] = true;
  CHECK(allowed(u, 2) == two);
  std::vector<bool> three = two;
  for (unsigned b = 0xE0; b <= 0xEF; ++b) three[b] = true;
  CHECK(allowed(u, 3) == three);
  CHECK(allowed(u, 4) == allowed(u, 1000));
  // Inside a character the room does not narrow the continuation.
  CHECK(allowed(after({0xF0, 0x9F}), 1) == range(0x80, 0xBF));
}

TEST_CASE("utf8: every byte the states allow continues to a valid string, and no other does") {
  // From the start, every first byte; inside a character, every next byte
  // (after a whole character the state is the start again, checked below).
  // The reference: s is a valid prefix iff s, or s padded with 1-3 copies of
  // 80, 90 or A0, is a whole valid string (those pads satisfy every
  // second-byte rule: E0 A0, ED 80, F0 90, F4 80).
  auto valid_prefix = [](const std::vector<unsigned>& s) {
    if (valid_utf8(s)) return true;
    for (unsigned pad : {0x80u, 0x90u, 0xA0u}) {
      std::vector<unsigned> t = s;
      for (int k = 0; k < 3; ++k) {
        t.push_back(pad);
        if (valid_utf8(t)) return true;
      }
    }
    return false;
  };
  long long checked = 0, wrong = 0, not_reset = 0;
  std::vector<unsigned> s;
  std::function<void(const Utf8State&)> walk = [&](const Utf8State& u) {
    for (unsigned b = 0; b < 256; ++b) {
      s.push_back(b);
      bool ok = valid_prefix(s);
      ++checked;
      if (u.allows(b) != ok) {
        ++wrong;
        if (wrong <= 5) {
          std::string at;
          for (unsigned x : s) at += " " + std::to_string(x);
          MESSAGE("disagree at bytes" << at);
        }
      }
      if (ok) {
        Utf8State v = u;
        v.push(b);
        if (v.between_characters())
          not_reset += !valid_utf8(s);
        else
          walk(v);
      }
      s.pop_back();
    }
  };
  walk(Utf8State{});
  CHECK(wrong == 0);
  CHECK(not_reset == 0);
  CHECK(checked > 500000);
}

TEST_CASE("utf8_invalid_at finds the first bad byte") {
  const unsigned char good[] = {'a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80};
  CHECK(rnnc::utf8_invalid_at(good, sizeof good) == -1);
  CHECK(rnnc::utf8_invalid_at(good, 2) == -1);  // ends inside é: still a valid prefix
  const unsigned char bad1[] = {'a', 0xC0, 0xAF};
  CHECK(rnnc::utf8_invalid_at(bad1, sizeof bad1) == 1);
  const unsigned char bad2[] = {0xED, 0xA0, 0x80};  // a surrogate
  CHECK(rnnc::utf8_invalid_at(bad2, sizeof bad2) == 1);
  const unsigned char bad3[] = {0xC3, 'a'};
  CHECK(rnnc::utf8_invalid_at(bad3, sizeof bad3) == 1);
}

TEST_CASE("sample_char_utf8 draws only allowed bytes, renormalised, one rand() per call") {
  // All the probability on a continuation byte: between characters it is refused.
  std::vector<float> p(256, 0.f);
  p[0xA9] = .9f;
  p['x'] = .1f;
  rnnc::GlibcRandom r1(5), r2(5);
  Utf8State u;
  for (int i = 0; i < 50; ++i) {
    std::vector<float> q = p;
    CHECK(rnnc::sample_char_utf8(q.data(), 256, r1, u, 4) == 'x');
    r2.next();
  }
  CHECK(r1.next() == r2.next());
  // After C3 only 80..BF: 0xA9 always.
  Utf8State c3 = after({0xC3});
  for (int i = 0; i < 50; ++i) {
    std::vector<float> q = p;
    CHECK(rnnc::sample_char_utf8(q.data(), 256, r1, c3, 4) == 0xA9);
  }
  // Every allowed byte under the cut-off: the most likely allowed one.
  std::vector<float> tiny(256, 0.f);
  tiny[0xC3] = .99995f;
  tiny[0x80] = .00002f;
  tiny[0x81] = .00003f;
  std::vector<float> q = tiny;
  CHECK(rnnc::sample_char_utf8(q.data(), 256, r1, c3, 4) == 0x81);
  // With the same probabilities everywhere allowed, the draws follow darknet's walk.
  std::vector<float> flat(256, 1.f / 256);
  rnnc::GlibcRandom g(11);
  int counts[256] = {};
  for (int i = 0; i < 20000; ++i) {
    std::vector<float> f = flat;
    ++counts[rnnc::sample_char_utf8(f.data(), 256, g, u, 1)];
  }
  for (int b = 0x80; b < 256; ++b) CHECK(counts[b] == 0);
  int ascii_min = 20000;
  for (int b = 0; b < 0x80; ++b) ascii_min = std::min(ascii_min, counts[b]);
  CHECK(ascii_min > 80);  // ~156 each
}
