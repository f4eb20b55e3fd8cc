// The training curve, as a person would rather see it: every backup also
// writes <base>.loss.tsv (batch, loss, average) and <base>.loss.svg, a plot
// of both that any browser shows. With train -valid, the held-out bits per
// character go beside them: a fourth TSV column, valid_bpc (bits, as the
// valid command prints them; empty at batches not measured), and on the plot
// converted to nats (x ln 2) on the training loss's axis, with a second axis
// in bits on the right. Without -valid both files are as before.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "files.h"

namespace rnnc {

struct LossPoint {
  long long batch;
  float loss, avg;
  float valid_bpc = NAN;  // held-out bits per character at this batch (NaN: not measured)
};

inline bool has_valid(const std::vector<LossPoint>& pts) {
  for (const auto& p : pts)
    if (!std::isnan(p.valid_bpc)) return true;
  return false;
}

inline void write_loss_tsv(const std::string& path, const std::vector<LossPoint>& pts) {
  const bool valid = has_valid(pts);
  write_file_atomically(path, [&](FILE* f) {
    std::fprintf(f, valid ? "batch\tloss\tavg\tvalid_bpc\n" : "batch\tloss\tavg\n");
    for (const auto& p : pts) {
      std::fprintf(f, "%lld\t%.6f\t%.6f", p.batch, p.loss, p.avg);
      if (valid && !std::isnan(p.valid_bpc)) std::fprintf(f, "\t%.6f", p.valid_bpc);
      else if (valid) std::fprintf(f, "\t");
      std::fprintf(f, "\n");
    }
  });
}

inline void write_loss_svg(const std::string& path, const std::string& title, const std::vector<LossPoint>& pts) {
  if (pts.empty()) return;
  const bool valid = has_valid(pts);
  const float ln2 = static_cast<float>(std::log(2.));
  const double W = 720, H = 400, L = 60, R = valid ? 60 : 20, T = 40, B = 50;
  long long b0 = pts.front().batch, b1 = std::max(pts.back().batch, b0 + 1);
  float lo = pts[0].loss, hi = pts[0].loss;
  for (const auto& p : pts) {
    lo = std::min({lo, p.loss, p.avg});
    hi = std::max({hi, p.loss, p.avg});
    if (!std::isnan(p.valid_bpc)) {
      lo = std::min(lo, p.valid_bpc * ln2);
      hi = std::max(hi, p.valid_bpc * ln2);
    }
  }
  if (hi - lo < 1e-3f) hi = lo + 1e-3f;
  auto X = [&](long long b) { return L + (W - L - R) * double(b - b0) / double(b1 - b0); };
  auto Y = [&](float v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
  write_file_atomically(path, [&](FILE* f) {
    std::fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    std::fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    if (valid)
      std::fprintf(f, "<text x=\"%g\" y=\"24\" font-size=\"15\">%s: training and held-out loss (left: nats per character; right: bits)</text>\n", L, title.c_str());
    else
      std::fprintf(f, "<text x=\"%g\" y=\"24\" font-size=\"15\">%s: training loss (nats per character)</text>\n", L, title.c_str());
    for (int i = 0; i <= 4; ++i) {
      float v = lo + (hi - lo) * i / 4;
      std::fprintf(f, "<line x1=\"%g\" x2=\"%g\" y1=\"%g\" y2=\"%g\" stroke=\"#ddd\"/><text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.2f</text>\n",
                   L, W - R, Y(v), Y(v), L - 6, Y(v) + 4, v);
      if (valid)  // the same height in bits per character
        std::fprintf(f, "<text x=\"%g\" y=\"%g\" fill=\"#d94801\">%.2f</text>\n", W - R + 6, Y(v) + 4, v / ln2);
    }
    for (int i = 0; i <= 4; ++i) {
      long long b = b0 + (b1 - b0) * i / 4;
      std::fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%lld</text>\n", X(b), H - B + 18, b);
    }
    std::fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">batch</text>\n", (L + W - R) / 2, H - 12);
    auto line = [&](bool avg, const char* colour, double width) {
      std::fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" points=\"", colour, width);
      size_t step = std::max<size_t>(1, pts.size() / 2000);  // at most ~2000 points
      for (size_t i = 0; i < pts.size(); i += step)
        std::fprintf(f, "%.1f,%.1f ", X(pts[i].batch), Y(avg ? pts[i].avg : pts[i].loss));
      std::fprintf(f, "\"/>\n");
    };
    line(false, "#9ecae1", 1);
    line(true, "#08519c", 2);
    if (valid) {
      std::fprintf(f, "<polyline fill=\"none\" stroke=\"#d94801\" stroke-width=\"2\" points=\"");
      for (const auto& p : pts)
        if (!std::isnan(p.valid_bpc)) std::fprintf(f, "%.1f,%.1f ", X(p.batch), Y(p.valid_bpc * ln2));
      std::fprintf(f, "\"/>\n");
      for (const auto& p : pts)
        if (!std::isnan(p.valid_bpc))
          std::fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d94801\"><title>batch %lld: %.4f bits per character</title></circle>\n",
                       X(p.batch), Y(p.valid_bpc * ln2), p.batch, p.valid_bpc);
      std::fprintf(f, "<text x=\"%g\" y=\"%g\" fill=\"#d94801\">held-out (-valid), BPC x ln 2</text>\n", L + 10, T + 14.0);
    }
    std::fprintf(f, "<text x=\"%g\" y=\"%g\" fill=\"#9ecae1\">loss</text><text x=\"%g\" y=\"%g\" fill=\"#08519c\">average</text>\n",
                 W - R - 110, T + 14.0, W - R - 60, T + 14.0);
    std::fprintf(f, "</svg>\n");
  });
}

}  // namespace rnnc
