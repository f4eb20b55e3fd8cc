#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "cfg/cfg_reader.h"
#include "emit/emit_cpp.h"
#include "driver/build.h"
#include "emit/names.h"
#include "ir/lower.h"
#include "rnnc/host_check.h"
#include "rnnc/program.h"

using namespace rnnc;

static const char* kCfg =
    "[net]\ninputs=256\nbatch=4\ntime_steps=8\n[rnn]\noutput=32\nbatch_normalize=1\nactivation=leaky\n"
    "[connected]\noutput=256\nactivation=linear\n[softmax]\n";

static std::string emit(bool fuse) {
  Diagnostics d;
  Model m = lower(parse_cfg(kCfg, "e.cfg"), d);
  return emit_cpp(m, make_plan(m, fuse));
}

TEST_CASE("emitting the same model twice gives the same text") { CHECK(emit(true) == emit(true)); }

TEST_CASE("emitted code is named after the cfg, with sizes as constants and cfg lines") {
  std::string s = emit(true);
  CHECK(s.find("constexpr int kRnn0Out = 32;") != std::string::npos);
  CHECK(s.find("constexpr int kStreams = 4;") != std::string::npos);
  CHECK(s.find("rnnc::layers::Rnn<kRnn0In, kRnn0Out, rnnc::Act::Leaky, /*shortcut=*/false, kTimeSteps, kStreams> "
               "rnn0{\"rnn0\", /*batch_norm=*/true};") != std::string::npos);
  CHECK(s.find("// [rnn] rnn0 (e.cfg:5:1)") != std::string::npos);
  CHECK(s.find("// [connected] connected1 (e.cfg:9:1)") != std::string::npos);
  CHECK(s.find("rnn0.step_fused(c);") != std::string::npos);  // the fused kernel, on a gathered row
  CHECK(s.find("Passes: FoldBatchNorm, FuseRecurrentStep, OneHotGather") != std::string::npos);
  std::string plain = emit(false);
  CHECK(plain.find("rnn0.step(onehot);") != std::string::npos);
  CHECK(plain.find("step_fused") == std::string::npos);
}

// The second [rnn] reads 32 and keeps 32: its input and its state are the
// same size, so only the size's role tells kRnn1In from kRnn1Out (an [lstm]
// or [gru] of 256 on the 256 inputs likewise); each layer kind's header sizes
// its sub-layers from them (test_kernels.cpp checks that side).
TEST_CASE("a sub-layer's size constant follows what it reads, also when the sizes are equal") {
  Diagnostics d;
  Model m = lower(parse_cfg("[net]\ninputs=256\n[rnn]\noutput=32\n[rnn]\noutput=32\n[lstm]\noutput=256\n"
                            "[gru]\noutput=256\n[connected]\noutput=256\n[softmax]\n",
                            "same.cfg"),
                  d);
  for (bool fuse : {true, false}) {
    std::string s = emit_cpp(m, make_plan(m, fuse));
    CHECK(s.find("constexpr int kRnn1In = kRnn0Out;") != std::string::npos);
    CHECK(s.find("rnnc::layers::Rnn<kRnn1In, kRnn1Out,") != std::string::npos);
    CHECK(s.find("rnnc::layers::Lstm<kLstm2In, kLstm2Out,") != std::string::npos);
    CHECK(s.find("rnnc::layers::Gru<kGru3In, kGru3Out,") != std::string::npos);
    CHECK(s.find("rnnc::layers::Connected<kConnected4In, kConnected4Out,") != std::string::npos);
  }
}

// generate -precision bf16 said "cpu fp32" on its model line: the line now
// says what the weights are at run time, from the sub-layers the passes
// prepare (bf16-capable) and -precision.
TEST_CASE("the model line says the precision in use") {
  std::string fused = emit(true), plain = emit(false);
  CHECK(fused.find("m.sublayers = 4;") != std::string::npos);  // [rnn] 3, [connected] 1
  CHECK(fused.find("m.bf16_sublayers = 4;") != std::string::npos);
  CHECK(plain.find("m.bf16_sublayers = 0;") != std::string::npos);
  CHECK(fused.find("m.backend = \"built for -march=native (\" RNNC_BUILT_ISA \")\";") != std::string::npos);
  CHECK(fused.find("cpu fp32") == std::string::npos);

  ModelInfo info{};
  info.sublayers = 4;
  info.bf16_sublayers = 4;
  const Precision before = weight_precision();
  weight_precision() = Precision::Fp32;
  CHECK(precision_in_use(info) == "fp32");
  weight_precision() = Precision::Bf16;
  CHECK(precision_in_use(info) == "bf16");
  info.bf16_sublayers = 1;
  CHECK(precision_in_use(info) == "bf16 in 1 of 4 sub-layers, fp32 in the rest");
  info.bf16_sublayers = 0;  // --no-fuse: the reference kernels read the fp32 parameters
  CHECK(precision_in_use(info).rfind("fp32 (-precision bf16 ignored", 0) == 0);
  weight_precision() = before;
}

TEST_CASE("fill_template fills every hole, and refuses unknown ones") {
  CHECK(fill_template("a{{X}}b{{Y}}", {{"X", "1"}, {"Y", "2"}}) == "a1b2");
  CHECK_THROWS_AS(fill_template("a{{Z}}", {{"X", "1"}}), std::logic_error);
  CHECK_THROWS_AS(fill_template("a{{X", {{"X", "1"}}), std::logic_error);
}

TEST_CASE("names") {
  CHECK(camel("rnn0") == "Rnn0");
  CHECK(camel("connected3") == "Connected3");
  CHECK(float_literal(1) == "1.0f");
  CHECK(float_literal(.5f) == "0.5f");
  CHECK(member_name(Dense{"rnn0.input", 1, 1, false, Act::Linear}) == "rnn0_input");
}

TEST_CASE("text from outside is escaped in string literals and comments") {
  CHECK(string_literal("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(string_literal("x\ny\tz") == "\"x\\ny\\tz\"");
  CHECK(string_literal("\x01\xc3\xa9" "7") == "\"\\001\\303\\2517\"");  // octal: '7' cannot extend it
  CHECK(comment_text("a\nb") == "a\\nb");
  CHECK(comment_text("a\\b") == "a\\\\b");
  CHECK(comment_text("dir\\") == "dir\\x5c");  // a final backslash would continue the // comment
  CHECK(comment_text("\r\x7f\xff") == "\\x0d\\x7f\\xff");
  CHECK(comment_text("rnn.cfg:5:1") == "rnn.cfg:5:1");
}

TEST_CASE("a cfg path with a newline, a quote and a backslash stays inside its comments and literals") {
  Diagnostics d;
  Model m = lower(parse_cfg(kCfg, "odd \"dir\\\nx\\"), d);
  std::string s = emit_cpp(m, make_plan(m, true));
  CHECK(s.find("\nx\\") == std::string::npos);  // no line of the source starts with the path's second line
  CHECK(s.find("// Generated by rnnc from odd \"dir\\\\\\nx\\x5c.") != std::string::npos);
  CHECK(s.find("\"odd \\\"dir\\\\\\nx\\\\\"") != std::string::npos);  // ModelInfo's cfg literal
  for (size_t at = s.find('\\'); at != std::string::npos; at = s.find('\\', at + 1))
    CHECK(s[at + 1] != '\n');  // no line continues onto the next
}

TEST_CASE("float literals are finite") {
  CHECK_THROWS_AS(float_literal(std::numeric_limits<float>::infinity()), std::logic_error);
  CHECK_THROWS_AS(float_literal(std::numeric_limits<float>::quiet_NaN()), std::logic_error);
}

TEST_CASE("CMake names and arguments are escaped") {
  CHECK(cmake_quoted("a b") == "\"a b\"");
  CHECK(cmake_quoted("x) ${Y} \"q\" \\ ;") == "\"x) \\${Y} \\\"q\\\" \\\\ \\;\"");
  CHECK(cmake_quoted("a\nb") == "\"a\\nb\"");
  CHECK(cmake_identifier("my prog") == "my_prog");
  CHECK(cmake_identifier("9lives") == "rnnc_9lives");
  CHECK(cmake_identifier("") == "rnnc_");
  CHECK(cmake_output_name("a;b\\c%d\ne") == "a_b_c_d_e");
  CHECK(cmake_output_name("my prog (2)") == "my prog (2)");
}

TEST_CASE("build flags: --march, --cxxflags words, and what the Clang check gets") {
  CHECK(split_flags("  -O0  -DA='x y' \"-DB=1\"\t-g ", "--cxxflags") ==
        std::vector<std::string>{"-O0", "-DA=x y", "-DB=1", "-g"});
  CHECK(split_flags("", "--cxxflags").empty());
  CHECK_THROWS_AS(split_flags("-DA='x", "--cxxflags"), CompileError);
  BuildOptions bo;
  bo.march = "x86-64-v3";
  bo.extra_flags = {"-fsanitize=address", "-D", "X=1", "-DY", "-I/inc", "-std=c++20", "-g"};
  std::vector<std::string> host = host_cxx_flags(bo);
  CHECK(std::find(host.begin(), host.end(), "-march=x86-64-v3") != host.end());
  CHECK(host.back() == "-g");  // the extra flags come last, so they win
  // The check parses as the compiler compiles (-march, macros, includes, -std), without GCC-only flags.
  CHECK(check_cxx_flags(bo) == std::vector<std::string>{"-std=c++17", "-O3", "-march=x86-64-v3", "-ffp-contract=off",
                                                        "-fno-trapping-math", "-pthread", "-D", "X=1", "-DY",
                                                        "-I/inc", "-std=c++20"});
  CHECK_NOTHROW(check_march_name("x86-64-v3"));
  CHECK_THROWS_AS(check_march_name("a b"), CompileError);
  CHECK_THROWS_AS(check_march_name("-O0"), CompileError);
  CHECK_THROWS_AS(check_march_name(""), CompileError);
}

TEST_CASE("host check: a command whose memory does not fit is refused in one line") {
  rnnc::HostNeeds need = {"m", "native", 3000000000ull, 40000000000ull};
  const unsigned long long gb = 1000000000ull;
  CHECK(rnnc::host_memory_refusal(need, "generate", 16 * gb, 0) == "");
  CHECK(rnnc::host_memory_refusal(need, "generate", 2 * gb, 0) ==
        "m: generate needs about 3.0 GB for the weights and their prepared copy but this machine has 2.0 GB; run it "
        "on a larger machine");
  CHECK(rnnc::host_memory_refusal(need, "train", 16 * gb, 0).find(
            "m: training needs about 40.0 GB (weights, gradients, momentum and one batch's activations) but this "
            "machine has 16.0 GB; lower batch or time_steps") == 0);
  CHECK(rnnc::host_memory_refusal(need, "train", 64 * gb, 0) == "");
  CHECK(rnnc::host_memory_refusal(need, "valid", 64 * gb, 1 * gb).find("limited (ulimit -v) to 1.0 GB") !=
        std::string::npos);
  CHECK(rnnc::host_memory_refusal(need, "--help", 1, 0) == "");  // not a command that holds the model
  CHECK(rnnc::host_memory_refusal(need, "init", 0, 0) == "");     // memory unknown: no refusal
}

// rnnc --cuda: the CPU source is a CPU build's but for main's call into the
// GPU path, and the GPU path renders every kind from the same ops, on the Cuda tag.
TEST_CASE("a CUDA build's two units: the CPU one unchanged but for main, the GPU one with every kind's .cuh") {
  Diagnostics d;
  Model m = lower(parse_cfg("[net]\ninputs=256\n[rnn]\noutput=32\n[lstm]\noutput=24\n[dropout]\nprobability=.5\n"
                            "[gru]\noutput=16\n[connected]\noutput=256\n[softmax]\n",
                            "k.cfg"),
                  d);
  for (bool fuse : {true, false}) {
    Plan p = make_plan(m, fuse);
    EmitOptions cpu, gpu;
    gpu.cuda = true;
    gpu.cuda_target = "GPU code for sm_90, PTX compute_75";
    std::string a = emit_cpp(m, p, cpu), b = emit_cpp(m, p, gpu);
    CHECK(a.find("rnnc_cuda_main") == std::string::npos);
    CHECK(b.find("if (int rc = rnnc_cuda_main(&argc, argv); rc >= 0) return rc;") != std::string::npos);
    // Take the GPU path's lines out of b and the rest is a's text.
    std::string rest = b;
    for (const char* cut : {"// The GPU path (program.cu): runs the command on a GPU and returns its exit status, or\n"
                            "// returns -1 (after taking -i and -nogpu out of argv) for the CPU path to run it.\n"
                            "int rnnc_cuda_main(int* argc, char** argv);\n\n",
                            "  if (int rc = rnnc_cuda_main(&argc, argv); rc >= 0) return rc;\n"}) {
      size_t at = rest.find(cut);
      REQUIRE(at != std::string::npos);
      rest.erase(at, std::string(cut).size());
    }
    CHECK(rest == a);
    std::string cu = emit_cuda(m, p, gpu);
    for (const char* h : {"rnn", "lstm", "dropout", "gru", "connected", "softmax"})
      CHECK(cu.find(std::string("#include \"rnnc/layers/") + h + ".cuh\"") != std::string::npos);
    CHECK(cu.find("kTimeSteps, kStreams, rnnc::layers::Cuda> lstm1{\"lstm1\"") != std::string::npos);
    CHECK(cu.find("m.backend = \"GPU code for sm_90, PTX compute_75\";") != std::string::npos);
    CHECK(cu.find(fuse ? "rnn0.step_fused(c);" : "rnn0.step(c);") != std::string::npos);  // one-hot: the character
    CHECK(cu.find(fuse ? "rnn0.step_fused(cs);" : "rnn0.step(cs);") != std::string::npos);  // n samples'
    CHECK(cu.find("return softmax5.to_host();") != std::string::npos);
    CHECK(cu.find("onehot") == std::string::npos);
    // Training on the GPU: the CPU Model's chain over the device layers, and the net's options.
    CHECK(cu.find("rnn0.forward(x);") != std::string::npos);
    CHECK(cu.find("return softmax5.loss(connected4.train_output(), truth, temperature, connected4.delta());") !=
          std::string::npos);
    CHECK(cu.find("rnn0.backward(x);") != std::string::npos);
    CHECK(cu.find("rnnc::cuda::train_dense_of(rnn0, lstm1") != std::string::npos);
    CHECK(cu.find("static const rnnc::NetConfig& net_config()") != std::string::npos);
  }
}
