// The training curve, as a person would rather see it: every backup also
// writes <base>.loss.tsv (batch, loss, average) and <base>.loss.svg, a plot
// of both that any browser shows.
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
};

inline void write_loss_tsv(const std::string& path, const std::vector<LossPoint>& pts) {
  write_file_atomically(path, [&](FILE* f) {
    std::fprintf(f, "batch\tloss\tavg\n");
    for (const auto& p : pts) std::fprintf(f, "%lld\t%.6f\t%.6f\n", p.batch, p.loss, p.avg);
  });
}

inline void write_loss_svg(const std::string& path, const std::string& title, const std::vector<LossPoint>& pts) {
  if (pts.empty()) return;
  const double W = 720, H = 400, L = 60, R = 20, T = 40, B = 50;
  long long b0 = pts.front().batch, b1 = std::max(pts.back().batch, b0 + 1);
  float lo = pts[0].loss, hi = pts[0].loss;
  for (const auto& p : pts) {
    lo = std::min({lo, p.loss, p.avg});
    hi = std::max({hi, p.loss, p.avg});
  }
  if (hi - lo < 1e-3f) hi = lo + 1e-3f;
  auto X = [&](long long b) { return L + (W - L - R) * double(b - b0) / double(b1 - b0); };
  auto Y = [&](float v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
  write_file_atomically(path, [&](FILE* f) {
    std::fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    std::fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    std::fprintf(f, "<text x=\"%g\" y=\"24\" font-size=\"15\">%s: training loss (nats per character)</text>\n", L, title.c_str());
    for (int i = 0; i <= 4; ++i) {
      float v = lo + (hi - lo) * i / 4;
      std::fprintf(f, "<line x1=\"%g\" x2=\"%g\" y1=\"%g\" y2=\"%g\" stroke=\"#ddd\"/><text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.2f</text>\n",
                   L, W - R, Y(v), Y(v), L - 6, Y(v) + 4, v);
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
    std::fprintf(f, "<text x=\"%g\" y=\"%g\" fill=\"#9ecae1\">loss</text><text x=\"%g\" y=\"%g\" fill=\"#08519c\">average</text>\n",
                 W - R - 110, T + 14.0, W - R - 60, T + 14.0);
    std::fprintf(f, "</svg>\n");
  });
}

}  // namespace rnnc
