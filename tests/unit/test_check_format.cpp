// compiler/check (Clang parses the emitted C++, errors name the cfg line) and
// compiler/format (clang-format, a fixed point).
#include <doctest/doctest.h>

#include <string>

#include "cfg/cfg_reader.h"
#include "check/check.h"
#include "check/origin.h"
#include "diag.h"
#include "emit/emit_cpp.h"
#include "format/format.h"
#include "ir/lower.h"

using namespace rnnc;

namespace {

const char* kCfg =
    "[net]\ninputs=256\nbatch=4\ntime_steps=8\n[rnn]\noutput=32\nbatch_normalize=1\nactivation=leaky\n"
    "[connected]\noutput=256\nactivation=linear\n[softmax]\n";

std::string emit(bool fuse, int inject_error_in_layer = -1) {
  Diagnostics d;
  Model m = lower(parse_cfg(kCfg, "e.cfg"), d);
  EmitOptions eo;
  eo.inject_error_in_layer = inject_error_in_layer;
  return emit_cpp(m, make_plan(m, fuse), eo);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("origin markers: parsed in both forms, others refused") {
  auto o = parse_origin_marker("    // [rnn] rnn0 (/path/tiny.cfg:15:1): h = leaky(W x + U h)");
  REQUIRE(o);
  CHECK(o->kind == "rnn");
  CHECK(o->layer == "rnn0");
  CHECK(o->loc.file == "/path/tiny.cfg");
  CHECK(o->loc.line == 15);
  CHECK(o->loc.column == 1);
  auto c = parse_origin_marker("// [connected] connected3, /a b/x:y.cfg:40:2");
  REQUIRE(c);
  CHECK(c->layer == "connected3");
  CHECK(c->loc.file == "/a b/x:y.cfg");
  CHECK(c->loc.line == 40);
  CHECK_FALSE(parse_origin_marker("// just a comment"));
  CHECK_FALSE(parse_origin_marker("    x[0] = 1;  // [rnn] rnn0 (a.cfg:1:1)"));
  CHECK_FALSE(parse_origin_marker("// [rnn] rnn0"));
  CHECK_FALSE(parse_origin_marker("// [rnn] rnn0 (a.cfg)"));
}

TEST_CASE("an emitted line maps to the nearest marker above it in the same block") {
  const std::string src =
      "#include \"x.h\"\n"                       // 1
      "void step() {\n"                          // 2
      "    // [rnn] rnn0 (t.cfg:15:1): first\n"  // 3
      "    a();\n"                               // 4
      "    if (x) {\n"                           // 5
      "      b();\n"                             // 6
      "    }\n"                                  // 7
      "    // [rnn] rnn1 (t.cfg:21:1): second\n"  // 8
      "    c();\n"                               // 9
      "\n"                                       // 10
      "    d();\n"                               // 11
      "}\n"                                      // 12
      "// [connected] connected2, t.cfg:27:1\n"   // 13
      "constexpr int kC = 3;\n";                 // 14
  auto at = [&](int line) { return origin_of_emitted_line(src, line); };
  CHECK_FALSE(at(1));
  CHECK_FALSE(at(2));
  REQUIRE(at(4));
  CHECK(at(4)->layer == "rnn0");
  CHECK(at(4)->loc.line == 15);
  CHECK(at(4)->marker_line == 3);
  REQUIRE(at(6));
  CHECK(at(6)->layer == "rnn0");
  REQUIRE(at(9));
  CHECK(at(9)->layer == "rnn1");
  CHECK(at(9)->loc.line == 21);
  CHECK_FALSE(at(10));  // a blank line ends a block
  CHECK_FALSE(at(11));
  CHECK_FALSE(at(12));  // the closing brace is the template's
  REQUIRE(at(14));
  CHECK(at(14)->layer == "connected2");
  CHECK(at(14)->loc.line == 27);
  CHECK_FALSE(at(0));
  CHECK_FALSE(at(99));
}

TEST_CASE("the style is the repository's .clang-format") {
  CHECK(contains(format_style_text(), "BasedOnStyle: Google"));
  CHECK(contains(format_style_text(), "ColumnLimit: 120"));
}

TEST_CASE("formatting emitted code is a fixed point and keeps the cfg markers on one line") {
  for (bool fuse : {true, false}) {
    CAPTURE(fuse);
    std::string raw = emit(fuse);
    std::string once = format_cpp(raw);
    CHECK(format_cpp(once) == once);
    CHECK(contains(once, "// [rnn] rnn0 (e.cfg:5:1)"));
    CHECK(contains(once, "// [connected] connected1 (e.cfg:9:1)"));
  }
  std::string messy = "int  f( int a ){return a+1;}\n";
  std::string tidy = format_cpp(messy);
  CHECK(tidy == "int f(int a) { return a + 1; }\n");
  CHECK(format_cpp(tidy) == tidy);
}

TEST_CASE("emitting and formatting twice gives identical bytes") {
  CHECK(format_cpp(emit(true)) == format_cpp(emit(true)));
  CHECK(format_cpp(emit(false)) == format_cpp(emit(false)));
}

TEST_CASE("Clang parses the emitted code") {
  CHECK(find_errors(format_cpp(emit(true))).empty());
}

TEST_CASE("an error in the emitted code names the cfg section and the emitted line") {
  std::string broken = format_cpp(emit(true, 0));  // layer 0: [rnn] at e.cfg:5:1
  std::vector<CheckError> errors = find_errors(broken);
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0].message, "rnnc_injected_error_for_rnn0"));
  REQUIRE(errors[0].line > 0);
  auto origin = origin_of_emitted_line(broken, errors[0].line);
  REQUIRE(origin);
  CHECK(origin->layer == "rnn0");
  CHECK(origin->loc.line == 5);
  bool threw = false;
  try {
    check_emitted_source(broken);
  } catch (const CompileError& e) {
    threw = true;
    std::string msg = e.what();
    CHECK(msg.rfind("e.cfg:5:1: error:", 0) == 0);
    CHECK(contains(msg, "[rnn] rnn0"));
    CHECK(contains(msg, "program.cpp:" + std::to_string(errors[0].line) + ":"));
    CHECK(contains(msg, "rnnc_injected_error_for_rnn0();"));
  }
  CHECK(threw);
}

TEST_CASE("an error outside every layer's block is rnnc's own, and says so") {
  CheckOptions opts;
  opts.file_name = "x.cpp";
  const std::string src = "#include \"rnnc/params.h\"\nint f() { return undeclared_thing; }\n";
  try {
    check_emitted_source(src, opts);
    FAIL("no error");
  } catch (const CompileError& e) {
    std::string msg = e.what();
    CHECK(contains(msg, "x.cpp:2:"));
    CHECK(contains(msg, "undeclared_thing"));
    CHECK(contains(msg, "does not compile"));
  }
}
