// visualise's ranking (rnnc/interpret.h): the text features, the correlation
// and the order of units; its HTML escaping (rnnc/visualise_html.h); and the
// emitted Model's states() (compiler/emit: one entry per state member of
// each recurrent layer, from the kinds table).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "ir/lower.h"
#include "passes/plan.h"
#include "rnnc/interpret.h"
#include "rnnc/visualise_html.h"

using namespace rnnc::interpret;

static std::vector<std::vector<double>> features_of(const std::string& s) {
  return text_features(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

static std::string row(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += x == 0 ? '0' : x == 1 ? '1' : '?';
  return s;
}

TEST_CASE("text features: quotes, brackets, line position, newline, words") {
  //                                 a " b c " d ( e [ f ] ) g \n h
  auto x = features_of("a\"bc\"d(e[f])g\nh");
  CHECK(row(x[kInQuotes]) == "011110000000000");
  CHECK(row(x[kInBrackets]) == "000000111111000");
  CHECK(row(x[kAfterNewline]) == "000000000000010");
  CHECK(row(x[kInWord]) == "101101010100101");
  std::vector<double> column = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1};
  CHECK(x[kLinePosition] == column);
  // An unmatched closing bracket does not open anything; a quote left open stays open.
  auto y = features_of(")a\"b\nc");
  CHECK(row(y[kInBrackets]) == "000000");
  CHECK(row(y[kInQuotes]) == "001111");
}

TEST_CASE("correlation: +1, -1, and 0 for a constant unit or feature") {
  std::vector<float> a = {0, 1, 0, 1, 0.5f};
  std::vector<double> b = {0, 1, 0, 1, 0.5}, c = {1, 0, 1, 0, 0.5}, flat = {3, 3, 3, 3, 3};
  CHECK(correlation(a.data(), 1, b.data(), 5) == doctest::Approx(1));
  CHECK(correlation(a.data(), 1, c.data(), 5) == doctest::Approx(-1));
  CHECK(correlation(a.data(), 1, flat.data(), 5) == 0);
  std::vector<float> constant(5, 2.f);
  CHECK(correlation(constant.data(), 1, b.data(), 5) == 0);
  CHECK(correlation(a.data(), 1, b.data(), 1) == 0);
  // Strided: every other value of an interleaved pair of units.
  std::vector<float> two = {0, 9, 1, 9, 0, 9, 1, 9, 0.5f, 9};
  CHECK(correlation(two.data(), 2, b.data(), 5) == doctest::Approx(1));
  CHECK(correlation(two.data() + 1, 2, b.data(), 5) == 0);
}

TEST_CASE("rank_units: a unit that tracks quotes ranks first, a constant one last") {
  std::string text = "say \"hi there\" and \"bye\" now\n(ok)";
  auto x = features_of(text);
  size_t n = text.size();
  // Two states: state 0 has 2 units (noise-ish, constant), state 1 has 1 (the quote feature, negated).
  std::vector<float> s0(n * 2), s1(n);
  for (size_t t = 0; t < n; ++t) {
    s0[t * 2] = static_cast<float>(std::sin(t * 1.7));
    s0[t * 2 + 1] = 0.25f;
    s1[t] = static_cast<float>(-x[kInQuotes][t]);
  }
  auto ranked = rank_units({s0.data(), s1.data()}, {2, 1}, x, n);
  REQUIRE(ranked.size() == 3);
  CHECK(ranked[0].state == 1);
  CHECK(ranked[0].index == 0);
  CHECK(ranked[0].best == kInQuotes);
  CHECK(ranked[0].r[kInQuotes] == doctest::Approx(-1));
  CHECK(ranked[0].score == doctest::Approx(1));
  CHECK(ranked[2].state == 0);
  CHECK(ranked[2].index == 1);
  CHECK(ranked[2].score == 0);
}

TEST_CASE("HTML: text from outside is escaped; numbers are finite") {
  CHECK(rnnc::html::escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(rnnc::html::num(std::nan("")) == "0");
  CHECK(rnnc::html::num(INFINITY) == "0");
  CHECK(rnnc::html::fixed(0.5, 2) == "0.50");
}

TEST_CASE("the emitted Model lists each recurrent layer's state members in states()") {
  const char* cfg =
      "[net]\ninputs=256\nbatch=4\ntime_steps=8\n[rnn]\noutput=8\n[lstm]\noutput=6\n[gru]\noutput=4\n"
      "[connected]\noutput=256\n[softmax]\n";
  rnnc::Diagnostics d;
  rnnc::Model m = rnnc::lower(rnnc::parse_cfg(cfg, "s.cfg"), d);
  std::string src = rnnc::emit_cpp(m, rnnc::make_plan(m, true));
  CHECK(src.find("std::vector<rnnc::StateView> states()") != std::string::npos);
  CHECK(src.find("s.push_back({\"rnn0\", \"rnn0\", \"rnn\", \"h\", rnn0.h, kRnn0Out});") != std::string::npos);
  CHECK(src.find("s.push_back({\"lstm1.cell\", \"lstm1\", \"lstm\", \"cell\", lstm1.cell, kLstm1Out});") !=
        std::string::npos);
  CHECK(src.find("s.push_back({\"lstm1.h\", \"lstm1\", \"lstm\", \"h\", lstm1.h, kLstm1Out});") != std::string::npos);
  CHECK(src.find("s.push_back({\"gru2\", \"gru2\", \"gru\", \"h\", gru2.h, kGru2Out});") != std::string::npos);
  CHECK(src.find("connected3.h") == std::string::npos);
}
