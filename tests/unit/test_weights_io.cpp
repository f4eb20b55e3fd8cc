#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rnnc/weights_io.h"

using rnnc::DenseParams;

namespace {

std::string temp_path(const char* name) { return std::string("/tmp/rnnc_unit_") + name; }

void fill(DenseParams& p, float base) {
  for (size_t i = 0; i < p.biases.size(); ++i) p.biases[i] = base + i;
  for (size_t i = 0; i < p.weights.size(); ++i) p.weights[i] = base * 10 + i * .5f;
  for (size_t i = 0; i < p.scales.size(); ++i) {
    p.scales[i] = base + 100 + i;
    p.rolling_mean[i] = base + 200 + i;
    p.rolling_variance[i] = base + 300 + i;
  }
}

std::vector<unsigned char> bytes_of(const std::string& path) { return rnnc::read_whole_file(path, "test"); }

template <class T>
void put(std::vector<unsigned char>& out, T v) {
  unsigned char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.insert(out.end(), b, b + sizeof v);
}

}  // namespace

TEST_CASE("save writes darknet's 0.2.0 layout byte for byte; load reads it back") {
  DenseParams a("a", 3, 2, false), b("b", 2, 2, true);
  fill(a, 1);
  fill(b, 2);
  std::string path = temp_path("w1.weights");
  rnnc::save_weights(path, {&a, &b}, 12345);
  std::vector<unsigned char> expect;
  put<int32_t>(expect, 0);
  put<int32_t>(expect, 2);
  put<int32_t>(expect, 0);
  put<uint64_t>(expect, 12345);
  for (float v : a.biases) put(expect, v);
  for (float v : a.weights) put(expect, v);
  for (float v : b.biases) put(expect, v);
  for (float v : b.weights) put(expect, v);
  for (float v : b.scales) put(expect, v);
  for (float v : b.rolling_mean) put(expect, v);
  for (float v : b.rolling_variance) put(expect, v);
  CHECK(bytes_of(path) == expect);

  DenseParams a2("a", 3, 2, false), b2("b", 2, 2, true);
  auto h = rnnc::load_weights(path, {&a2, &b2}, "m");
  CHECK(h.seen == 12345);
  CHECK(h.major == 0);
  CHECK(h.minor == 2);
  CHECK(a2.weights == a.weights);
  CHECK(a2.biases == a.biases);
  CHECK(b2.rolling_variance == b.rolling_variance);
  CHECK(b2.scales == b.scales);
  std::remove(path.c_str());
}

TEST_CASE("version 0.1 header: seen is int32") {
  DenseParams a("a", 2, 2, false);
  std::vector<unsigned char> file;
  put<int32_t>(file, 0);
  put<int32_t>(file, 1);
  put<int32_t>(file, 0);
  put<int32_t>(file, 777);
  for (int i = 0; i < 6; ++i) put<float>(file, float(i));
  auto h = rnnc::load_weights_from_bytes(file, "v01", {&a}, "m");
  CHECK(h.seen == 777);
  CHECK(h.bytes() == 16);
  CHECK(a.biases == std::vector<rnnc::real>{0, 1});
  CHECK(a.weights == std::vector<rnnc::real>{2, 3, 4, 5});
}

TEST_CASE("transposed header: matrices stored [in][out]") {
  DenseParams a("a", 3, 2, false);  // out=2, in=3
  std::vector<unsigned char> file;
  put<int32_t>(file, 0);
  put<int32_t>(file, 1001);  // minor > 1000: transposed, int32 seen
  put<int32_t>(file, 0);
  put<int32_t>(file, 0);
  put<float>(file, 0);
  put<float>(file, 0);
  // [in][out]: in0 -> (10, 20), in1 -> (11, 21), in2 -> (12, 22)
  for (float v : {10.f, 20.f, 11.f, 21.f, 12.f, 22.f}) put(file, v);
  rnnc::load_weights_from_bytes(file, "t", {&a}, "m");
  CHECK(a.weights == std::vector<rnnc::real>{10, 11, 12, 20, 21, 22});  // [out][in]
}

TEST_CASE("model_file_floats counts batch-norm vectors") {
  DenseParams a("a", 3, 2, false), b("b", 2, 2, true);
  CHECK(rnnc::model_file_floats({&a, &b}) == (2 + 6) + (2 + 4 + 6));
}
