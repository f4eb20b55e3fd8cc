#include <doctest/doctest.h>

#include <climits>
#include <cstdlib>
#include <initializer_list>

#include "rnnc/random.h"

TEST_CASE("GlibcRandom returns glibc's rand() sequence") {
  for (unsigned seed : {0u, 1u, 7u, 42u, static_cast<unsigned>(-5), 123456789u, 4294967295u}) {
    CAPTURE(seed);
    srand(seed);
    rnnc::GlibcRandom g(seed);
    int mismatches = 0;
    for (int i = 0; i < 100000; ++i) mismatches += rand() != g.next();
    CHECK(mismatches == 0);
  }
}

TEST_CASE("uniform01 is darknet's (float)rand()/RAND_MAX; discard skips") {
  srand(3);
  rnnc::GlibcRandom g(3);
  for (int i = 0; i < 1000; ++i) CHECK(g.uniform01() == static_cast<float>(rand()) / RAND_MAX);
  rnnc::GlibcRandom a(9), b(9);
  a.discard(12345);
  for (int i = 0; i < 12345; ++i) b.next();
  CHECK(a.next() == b.next());
}

TEST_CASE("state round trip resumes the same sequence") {
  rnnc::GlibcRandom a(11);
  a.discard(777);
  auto s = a.state();
  int expect[10];
  for (int& e : expect) e = a.next();
  rnnc::GlibcRandom b(1);
  b.set_state(s);
  for (int e : expect) CHECK(b.next() == e);
}

TEST_CASE("next_size: eight rand() bytes, most significant first") {
  srand(5);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint64_t>(rand() & 0xff);
  rnnc::GlibcRandom g(5);
  CHECK(g.next_size() == v);
}
