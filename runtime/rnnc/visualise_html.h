// visualise's pages: self-contained HTML (inline style and script, the
// system's fonts, nothing fetched), in the style of the figures of Karpathy's
// "The Unreasonable Effectiveness of Recurrent Neural Networks".
//  - a unit page: each character coloured by one hidden unit's value after
//    the network read it (blue below zero, red above, scaled to the unit's
//    largest |value| over the text), and under it the five most likely next
//    characters, shaded by probability. The data sit in the page as numbers;
//    its script builds the columns and writes the counts it built into
//    #counts (data-chars, data-predictions), where a test reads them;
//  - the index: every unit of every recurrent state ranked by its largest
//    |correlation| with simple text features (rnnc/interpret.h), the top ones
//    linked to their pages.
// Every page carries kVisualiseMarker, so that visualise overwrites only
// files it wrote itself.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "interpret.h"

namespace rnnc::html {

constexpr const char* kVisualiseMarker = "<meta name=\"generator\" content=\"rnnc visualise\">";

inline std::string escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (c < 32 && c != '\n' && c != '\t') out += "&#xfffd;";
        else out += static_cast<char>(c);
    }
  }
  return out;
}

// A number for the page's script: finite, short.
inline std::string num(double v, const char* fmt = "%.3g") {
  if (!std::isfinite(v)) v = 0;
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

inline std::string fixed(double v, int digits) {
  char f[8];
  std::snprintf(f, sizeof f, "%%.%df", digits);
  return num(v, f);
}

// What every page shares: the head (marker, style) and the model line.
struct PageInfo {
  std::string model;    // the program's model name
  std::string summary;  // its layers
  std::string source;   // where the text came from: "data.txt", "stdin"
  size_t shown = 0, total = 0;  // characters shown (and scored), of the text's
  long long cap = 0;            // -chars
};

inline std::string head(const std::string& title) {
  return std::string("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n") + kVisualiseMarker +
         "\n<title>" + escape(title) +
         "</title>\n<style>\n"
         "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;background:#fff}\n"
         "h1{font-size:20px;margin:0 0 6px}p{margin:4px 0 8px;max-width:60em}\n"
         ".note{color:#8a4b00}.legend span{display:inline-block;padding:1px 6px;margin-right:2px;font-family:monospace}\n"
         "#text{margin-top:14px;font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px}\n"
         ".line{display:flex;flex-wrap:wrap;margin-bottom:8px}\n"
         ".col{display:flex;flex-direction:column;width:15px;text-align:center;margin-bottom:4px}\n"
         ".ch{height:19px;line-height:19px;font-weight:bold}\n"
         ".p{height:14px;line-height:14px;font-size:10px;color:#333}\n"
         "table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}\n"
         "td.l,th.l{text-align:left}a{color:#1a5fb4}\n"
         "</style>\n</head>\n";
}

inline std::string cap_note(const PageInfo& p) {
  if (p.shown < p.total)
    return "<p class=\"note\">The text has " + std::to_string(p.total) + " characters; only the first " +
           std::to_string(p.shown) + " are shown and scored (-chars " + std::to_string(p.cap) +
           "; raise it for more, at the cost of a slower page).</p>\n";
  return "<p>All " + std::to_string(p.total) + " characters of the text are shown.</p>\n";
}

inline std::string model_line(const PageInfo& p) {
  return "<p>Model <b>" + escape(p.model) + "</b>: " + escape(p.summary) + ". Text: " + escape(p.source) + ".</p>\n";
}

inline std::string correlations_line(const interpret::UnitScore& u) {
  std::string s = "<p>Correlation with the text features:";
  for (int f = 0; f < interpret::kFeatures; ++f)
    s += std::string(f ? ";" : "") + " " + interpret::feature_name(f) + " <b>" + fixed(u.r[f], 2) + "</b>";
  return s + ".</p>\n";
}

// One unit's page. text: the characters shown; act: the unit's value after
// each; top: the 5 likeliest next characters after each (5 per character),
// prob: their probabilities.
inline std::string unit_page(const PageInfo& p, const std::string& unit, const std::string& about,
                             const interpret::UnitScore& score, const unsigned char* text, size_t n,
                             const std::vector<float>& act, const std::vector<unsigned char>& top,
                             const std::vector<float>& prob) {
  std::string s = head("unit " + unit + " of " + p.model);
  s += "<body>\n<p><a href=\"index.html\">&larr; all units, ranked</a></p>\n";
  s += "<h1>Unit " + escape(unit) + "</h1>\n<p>" + escape(about) + "</p>\n";
  s += model_line(p);
  s += correlations_line(score);
  s += cap_note(p);
  s += "<p class=\"legend\">Each character is coloured by the unit's value after the network read it: "
       "<span style=\"background:rgba(33,102,172,1);color:#fff\">&minus;max</span>"
       "<span style=\"background:rgba(33,102,172,.4)\">&minus;</span><span>0</span>"
       "<span style=\"background:rgba(214,47,39,.4)\">+</span>"
       "<span style=\"background:rgba(214,47,39,1);color:#fff\">+max</span> "
       "(max: <span id=\"max\"></span>). Under it, the model's five likeliest next characters, darker green "
       "for more probable (softmax at temperature 1; &crarr; newline, &#9251; space, &middot; a byte without "
       "a glyph). Hover for values.</p>\n";
  s += "<p id=\"counts\" data-chars=\"0\" data-predictions=\"0\">The page's script did not run.</p>\n";
  s += "<div id=\"text\"></div>\n<script>\n\"use strict\";\n";
  s += "var C=[";
  for (size_t t = 0; t < n; ++t) s += (t ? "," : "") + std::to_string(text[t]);
  s += "];\nvar A=[";
  for (size_t t = 0; t < n; ++t) s += (t ? "," : "") + num(act[t]);
  s += "];\nvar P=[";
  for (size_t i = 0; i < top.size(); ++i) s += (i ? "," : "") + std::to_string(top[i]);
  s += "];\nvar Q=[";
  for (size_t i = 0; i < prob.size(); ++i) s += (i ? "," : "") + fixed(prob[i], 3);
  s += "];\n";
  s += R"JS((function () {
  var m = 0, i, k;
  for (i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i]));
  document.getElementById("max").textContent = m.toPrecision(3);
  if (!(m > 0)) m = 1;
  function glyph(c, pred) {
    if (c === 10) return "\u21b5";
    if (c === 32) return pred ? "\u2423" : "\u00a0";
    if (c < 32 || c >= 127) return "\u00b7";
    return String.fromCharCode(c);
  }
  function name(c) {
    if (c === 10) return "newline";
    if (c === 32) return "space";
    if (c < 32 || c >= 127) return "byte " + c;
    return "'" + String.fromCharCode(c) + "'";
  }
  var box = document.getElementById("text"), frag = document.createDocumentFragment();
  var line = document.createElement("div"), chars = 0, preds = 0;
  line.className = "line";
  for (i = 0; i < C.length; i++) {
    var col = document.createElement("div"), ch = document.createElement("div"), v = A[i] / m;
    col.className = "col";
    ch.className = "ch";
    ch.textContent = glyph(C[i], false);
    ch.style.background = v < 0 ? "rgba(33,102,172," + (-v).toFixed(3) + ")" : "rgba(214,47,39," + v.toFixed(3) + ")";
    if (Math.abs(v) > 0.6) ch.style.color = "#fff";
    var tip = name(C[i]) + ": " + A[i] + "\nnext:";
    col.appendChild(ch);
    chars++;
    for (k = 0; k < 5; k++) {
      var c = P[5 * i + k], q = Q[5 * i + k], p = document.createElement("div");
      p.className = "p";
      p.textContent = glyph(c, true);
      p.style.background = "rgba(0,140,60," + q + ")";
      if (q > 0.6) p.style.color = "#fff";
      tip += " " + name(c) + " " + q;
      col.appendChild(p);
      preds++;
    }
    col.title = tip;
    line.appendChild(col);
    if (C[i] === 10) {
      frag.appendChild(line);
      line = document.createElement("div");
      line.className = "line";
    }
  }
  if (line.childNodes.length) frag.appendChild(line);
  box.appendChild(frag);
  var counts = document.getElementById("counts");
  counts.setAttribute("data-chars", chars);
  counts.setAttribute("data-predictions", preds);
  counts.textContent = chars + " characters and " + preds + " predictions shown.";
})();
</script>
</body>
</html>
)JS";
  return s;
}

// The index: every unit ranked; `page[i]` is the file of ranked[i]'s page, or "".
inline std::string index_page(const PageInfo& p, const std::vector<std::string>& unit_names,
                              const std::vector<interpret::UnitScore>& ranked, const std::vector<std::string>& page,
                              const std::string& states_line) {
  size_t pages = 0;
  for (const std::string& f : page) pages += !f.empty();
  std::string s = head("visualise " + p.model);
  s += "<body>\n<h1>" + escape(p.model) + ": its hidden units, most interpretable first</h1>\n";
  s += model_line(p);
  s += "<p>" + escape(states_line) + "</p>\n";
  s += cap_note(p);
  s += "<p>Each unit is scored by the largest |correlation| (Pearson's r, over the characters shown) of its value "
       "after each character with these features of the text read so far:</p>\n<ul>\n";
  for (int f = 0; f < interpret::kFeatures; ++f)
    s += std::string("<li><b>") + interpret::feature_name(f) + "</b>: " + escape(interpret::feature_help(f)) +
         "</li>\n";
  s += "</ul>\n<p id=\"counts\" data-units=\"" + std::to_string(ranked.size()) + "\" data-pages=\"" +
       std::to_string(pages) + "\">" + std::to_string(ranked.size()) + " units ranked; " + std::to_string(pages) +
       " have a page (linked).</p>\n";
  s += "<table>\n<tr><th>rank</th><th class=\"l\">unit</th><th>score</th><th class=\"l\">follows</th>";
  for (int f = 0; f < interpret::kFeatures; ++f) s += std::string("<th>") + interpret::feature_name(f) + "</th>";
  s += "</tr>\n";
  for (size_t i = 0; i < ranked.size(); ++i) {
    const interpret::UnitScore& u = ranked[i];
    std::string name = escape(unit_names[i]);
    s += "<tr><td>" + std::to_string(i + 1) + "</td><td class=\"l\">" +
         (page[i].empty() ? name : "<a href=\"" + escape(page[i]) + "\">" + name + "</a>") + "</td><td>" +
         fixed(u.score, 3) + "</td><td class=\"l\">" + (u.score > 0 ? interpret::feature_name(u.best) : "-") + "</td>";
    for (int f = 0; f < interpret::kFeatures; ++f) s += "<td>" + fixed(u.r[f], 2) + "</td>";
    s += "</tr>\n";
  }
  s += "</table>\n</body>\n</html>\n";
  return s;
}

}  // namespace rnnc::html
