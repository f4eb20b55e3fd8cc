#include <doctest/doctest.h>

#include <string>

#include "cfg/cfg_reader.h"

using rnnc::CompileError;
using rnnc::parse_cfg;

TEST_CASE("cfg reader strips whitespace, skips comments, keeps file:line:column") {
  auto cfg = parse_cfg("# a comment\n[net]\nbatch = 1\n ; another\n\n  [rnn]\n  out put = 96\n", "m.cfg");
  REQUIRE(cfg.sections.size() == 2);
  CHECK(cfg.sections[0].type == "net");
  CHECK(cfg.sections[0].loc.line == 2);
  CHECK(cfg.sections[0].options[0].key == "batch");
  CHECK(cfg.sections[0].options[0].value == "1");
  CHECK(cfg.sections[0].options[0].loc.str() == "m.cfg:3:1");
  CHECK(cfg.sections[1].type == "rnn");
  CHECK(cfg.sections[1].loc.str() == "m.cfg:6:3");
  CHECK(cfg.sections[1].options[0].key == "output");  // darknet drops every space
  CHECK(cfg.sections[1].options[0].loc.str() == "m.cfg:7:3");
}

TEST_CASE("cfg reader: find returns the first of duplicate keys") {
  auto cfg = parse_cfg("[net]\nbatch=2\nbatch=3\n", "m.cfg");
  CHECK(cfg.sections[0].find("batch")->value == "2");
  CHECK(cfg.sections[0].find("nope") == nullptr);
}

static std::string error_of(const std::string& text) {
  try {
    parse_cfg(text, "bad.cfg");
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

static std::string error_of_path(const std::string& text, const std::string& path) {
  try {
    parse_cfg(text, path);
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("cfg reader errors name file and line") {
  CHECK(error_of("[net]\nbatch\n").find("bad.cfg:2:1: error: expected key=value") != std::string::npos);
  CHECK(error_of("batch=1\n[net]\n").find("bad.cfg:1:1: error:") != std::string::npos);
  CHECK(error_of("[net\n").find("bad.cfg:1:1: error: a section header") != std::string::npos);
  CHECK(error_of("[net]\n=3\n").find("bad.cfg:2:1: error: '=3' has no key") != std::string::npos);
  CHECK(error_of("[net]\nbatch=\n").find("bad.cfg:2:1: error: 'batch=' has no value") != std::string::npos);
  CHECK(error_of("[net]\nbatch=1\n") == "");
}

TEST_CASE("read_cfg on a missing file") {
  try {
    rnnc::read_cfg("/nonexistent/x.cfg");
    FAIL("no error");
  } catch (const CompileError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/x.cfg: error: cannot open") != std::string::npos);
  }
}

TEST_CASE("cfg reader refuses a NUL or other control byte where it is") {
  using namespace std::string_literals;
  CHECK(error_of("[net]\ninputs=256\0junk\n"s).find("bad.cfg:2:11: error: control character 0x00") !=
        std::string::npos);
  CHECK(error_of("[net]\nbatch=1\x1b[0m\n").find("bad.cfg:2:8: error: control character 0x1b") != std::string::npos);
  CHECK(error_of("[net]\nbatch=1\x7f\n").find("bad.cfg:2:8: error: control character 0x7f") != std::string::npos);
  // Tabs and CR LF line ends are text.
  CHECK(error_of("[net]\r\n\tbatch = 1\r\n") == "");
}

TEST_CASE("a newline in the cfg's path stays inside the one line of a message") {
  std::string msg = error_of_path("[net]\nbatch\n", "a\nb.cfg");
  CHECK(msg.find("a\\nb.cfg:2:1: error: expected key=value") == 0);
  CHECK(msg.find('\n') == std::string::npos);
}
