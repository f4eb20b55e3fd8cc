// generate -utf8: which next bytes keep the output valid UTF-8 (RFC 3629:
// no overlong form, no surrogate, nothing past U+10FFFF), and the sampler
// that draws only among them. Without -utf8 none of this runs: generate is
// darknet's, byte for byte.
#pragma once
#include <cstdint>

#include "random.h"

namespace rnnc {

// Where a UTF-8 byte sequence stands: between characters (need 0), or inside
// one, with `need` continuation bytes still to come, the next in lo..hi.
struct Utf8State {
  int need = 0;
  unsigned lo = 0x80, hi = 0xBF;

  // Bytes a character that starts with lead byte b takes in all (0: b starts none).
  static int sequence_length(unsigned b) {
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;  // 80..BF (a continuation), C0, C1 (overlong), F5..FF (past U+10FFFF)
  }

  // May byte b come next, with at most `room` bytes left for the output? A
  // lead byte whose character would not fit is refused, so that an output cut
  // at -len ends on a whole character. Inside a character, room does not count.
  bool allows(unsigned b, long long room = 4) const {
    if (need > 0) return b >= lo && b <= hi;
    int len = sequence_length(b);
    return len > 0 && len <= room;
  }

  // Takes byte b (allows(b) must hold, or the state restarts between characters).
  void push(unsigned b) {
    if (need > 0) {
      if (b < lo || b > hi) {
        need = 0;
        return;
      }
      --need;
      lo = 0x80, hi = 0xBF;
      return;
    }
    int len = sequence_length(b);
    need = len > 1 ? len - 1 : 0;
    lo = 0x80, hi = 0xBF;
    if (b == 0xE0) lo = 0xA0;       // E0 80..9F would be overlong (below U+0800)
    else if (b == 0xED) hi = 0x9F;  // ED A0..BF would be a surrogate (U+D800..DFFF)
    else if (b == 0xF0) lo = 0x90;  // F0 80..8F would be overlong (below U+10000)
    else if (b == 0xF4) hi = 0x8F;  // F4 90..BF would be past U+10FFFF
  }

  bool between_characters() const { return need == 0; }
};

// Offset of the first byte at which `s` stops being a valid UTF-8 prefix, or
// -1 where the whole of it is one (it may end inside a character).
inline long long utf8_invalid_at(const unsigned char* s, size_t n) {
  Utf8State u;
  for (size_t i = 0; i < n; ++i) {
    if (!u.allows(s[i])) return static_cast<long long>(i);
    u.push(s[i]);
  }
  return -1;
}

// darknet's sampler (sampler.h) over the bytes u allows only: the others'
// probabilities are set to 0 first, then the same cut-off below .0001,
// renormalisation and walk, one rand() per character. Where every allowed
// byte falls under the cut-off, the most likely allowed byte is taken (the
// draw still made, so the stream stays one rand() per character).
inline int sample_char_utf8(float* p, int n, GlibcRandom& rng, const Utf8State& u, long long room) {
  int best = -1;
  for (int j = 0; j < n; ++j) {
    if (!u.allows(static_cast<unsigned>(j), room)) {
      p[j] = 0;
      continue;
    }
    if (best < 0 || p[j] > p[best]) best = j;
  }
  for (int j = 0; j < n; ++j)
    if (p[j] < .0001) p[j] = 0;
  float sum = 0;
  for (int j = 0; j < n; ++j) sum += p[j];
  float r = rng.uniform(0, 1);
  if (!(sum > 0)) return best < 0 ? 0 : best;
  float scale = static_cast<float>(1. / sum);
  for (int j = 0; j < n; ++j) p[j] *= scale;
  int last = best;
  for (int i = 0; i < n; ++i) {
    if (p[i] == 0) continue;
    last = i;
    r = r - p[i];
    if (r <= 0) return i;
  }
  return last;  // rounding left r above 0: the last allowed byte, as darknet takes its last
}

}  // namespace rnnc
