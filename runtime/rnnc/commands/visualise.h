// visualise WEIGHTS [-file TEXT] [-o DIR] [-unit LAYER:INDEX] [-chars N] [-top N]
// (also spelled visualize): runs the model over a text and writes HTML pages
// in the style of Karpathy's char-rnn figures (rnnc/visualise_html.h): one
// per hidden unit shown, each character coloured by the unit's value with
// the five likeliest next characters under it, and an index ranking every
// unit of every recurrent state by how well it follows simple text features
// (rnnc/interpret.h).
//
// The text: -file TEXT, else stdin (as valid and probs read it; refused when
// stdin is a terminal rather than waiting for typing). The first -chars
// characters (default 5000) are run, shown and scored; the pages say so when
// the text is longer. DIR (default MODEL_visualise) is created where missing;
// only index.html and unit_*.html are written in it, and a file of those
// names that visualise did not write is never replaced (its own unit pages
// from an earlier run that the new index does not link are removed).
#pragma once
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../command_flags.h"
#include "../files.h"
#include "../interpret.h"
#include "../model.h"
#include "../visualise_html.h"

namespace rnnc {

constexpr const char* kVisualiseUsage =
    "visualise WEIGHTS [-file TEXT] [-o DIR] [-unit LAYER:INDEX] [-chars N] [-top N]";

// -unit LAYER:INDEX, split (the name is matched once the model's states are known).
struct UnitFlag {
  std::string name;
  long long index = -1;
};

inline UnitFlag parse_unit_flag(const std::string& v) {
  UnitFlag u;
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
    fail("-unit expects LAYER:INDEX (e.g. rnn1:42, lstm0.h:7), got '%s'", v.c_str());
  u.name = v.substr(0, colon);
  std::string idx = v.substr(colon + 1);
  char* end = nullptr;
  errno = 0;
  u.index = std::strtoll(idx.c_str(), &end, 10);
  if (*end || errno || u.index < 0 || !std::isdigit(static_cast<unsigned char>(idx[0])))
    fail("-unit expects LAYER:INDEX with INDEX a unit number from 0, got '%s'", v.c_str());
  return u;
}

// The file a unit's page goes to: unit_rnn1_42.html, unit_lstm0-cell_7.html.
inline std::string unit_file(const std::string& state, int index) {
  std::string s = state;
  std::replace(s.begin(), s.end(), '.', '-');
  return "unit_" + s + "_" + std::to_string(index) + ".html";
}

// Refuses (before any page is written) to replace a file visualise did not write.
inline void check_ours(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (errno == ENOENT) return;
    fail("visualise: cannot read '%s' to check it is one of visualise's pages: %s", path.c_str(), std::strerror(errno));
  }
  char buf[4096];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  if (!std::strstr(buf, html::kVisualiseMarker))
    fail("visualise: '%s' exists and was not written by visualise; not replacing it (choose another -o DIR)",
         path.c_str());
}

// Removes the unit pages of an earlier run into the same folder that this
// run did not write (its index no longer links them): only visualise's own.
inline void remove_stale_pages(const std::string& dir, const std::vector<std::string>& keep) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() < 10 || n.compare(0, 5, "unit_") != 0 || n.compare(n.size() - 5, 5, ".html") != 0) continue;
    if (std::find(keep.begin(), keep.end(), n) != keep.end()) continue;
    std::string path = dir + "/" + n;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) continue;
    char buf[4096];
    size_t got = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[got] = 0;
    if (std::strstr(buf, html::kVisualiseMarker)) stale.push_back(path);
  }
  ::closedir(d);
  for (const std::string& path : stale) std::remove(path.c_str());
}

inline void write_page(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](FILE* f) { std::fwrite(text.data(), 1, text.size(), f); });
}

template <class Model>
int cmd_visualise(Flags& f, const char* spelled) {
  const ModelInfo& info = Model::info();
  std::string file = f.str("-file", "");
  std::string dir = f.str("-o", std::string(info.name) + "_visualise");
  std::string unit_arg = f.str("-unit", "");
  long long cap = f.integer("-chars", 5000, 1, 100000);
  long long top = f.integer("-top", 20, 0, 100000);
  std::string weights = f.positional();
  f.finish(spelled);
  if (weights.empty()) fail("%s: which weights file? usage: %s", spelled, kVisualiseUsage);
  if (dir.empty()) fail("-o: the folder name is empty");
  if (info.inputs > 256)
    fail("%s: the pages show characters, and this model reads %d symbols (a word-level model)", spelled, info.inputs);
  UnitFlag unit;
  if (!unit_arg.empty()) unit = parse_unit_flag(unit_arg);

  // The text, whole (its length goes on the pages), then the part shown.
  std::vector<unsigned char> text;
  std::string source = file;
  if (file.empty() || file == "-") {
    if (isatty(0)) fail("%s: which text? -file TEXT, or the text on stdin (usage: %s)", spelled, kVisualiseUsage);
    source = "stdin";
    int ch;
    while ((ch = std::getchar()) != EOF) text.push_back(static_cast<unsigned char>(ch));
    if (std::ferror(stdin)) fail("%s: cannot read stdin: %s", spelled, std::strerror(errno));
  } else {
    text = read_whole_file(file, "text file");
  }
  if (text.empty()) fail("%s: the text (%s) is empty: nothing to visualise", spelled, source.c_str());
  const size_t total = text.size(), n = std::min(total, static_cast<size_t>(cap));
  for (size_t t = 0; t < n; ++t)
    if (text[t] >= info.inputs)
      fail("%s: %s: byte %d at offset %zu is outside the model's %d inputs", spelled, source.c_str(), text[t], t,
           info.inputs);

  // The weights' size (a wrong file is refused before anything is written),
  // then the folder, before any work: created where missing, and writable.
  check_weights_file_size(weights, info.parameters, info.name);
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    fail("-o: cannot create the folder '%s': %s", dir.c_str(), std::strerror(errno));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail("-o: '%s' is not a folder", dir.c_str());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail("-o: cannot write into the folder '%s': %s", dir.c_str(), std::strerror(errno));
  check_ours(dir + "/index.html");

  auto m = load_for_inference<Model>(weights);
  m->set_temperature(1);
  const std::vector<StateView> states = m->states();
  if (states.empty())
    fail("%s: this model has no recurrent layer ([rnn], [lstm], [gru]): no hidden state to show", spelled);

  // -unit names a state ("rnn1", "lstm0.h"), or a layer for its first state ("lstm0": its cell).
  int unit_state = -1;
  std::string known;
  for (size_t s = 0; s < states.size(); ++s) {
    known += std::string(s ? ", " : "") + states[s].name + " (" + std::to_string(states[s].size) + " units)";
    if (unit_state < 0 && !unit.name.empty() && (unit.name == states[s].name || unit.name == states[s].layer))
      unit_state = static_cast<int>(s);
  }
  if (!unit.name.empty()) {
    if (unit_state < 0)
      fail("-unit %s: this model has no recurrent state '%s'; it has %s", unit_arg.c_str(), unit.name.c_str(),
           known.c_str());
    if (unit.index >= states[unit_state].size)
      fail("-unit %s: %s has units 0..%d", unit_arg.c_str(), states[unit_state].name, states[unit_state].size - 1);
  }

  print_model_line<Model>(info);

  // Run: every state after every character, and the five likeliest next characters.
  std::vector<std::vector<float>> values(states.size());
  for (size_t s = 0; s < states.size(); ++s) values[s].resize(n * states[s].size);
  std::vector<unsigned char> top5(n * 5);
  std::vector<float> prob5(n * 5);
  for (size_t t = 0; t < n; ++t) {
    const real* out = m->step(text[t]);
    for (size_t s = 0; s < states.size(); ++s)
      for (int j = 0; j < states[s].size; ++j) values[s][t * states[s].size + j] = static_cast<float>(states[s].values[j]);
    int best[5] = {-1, -1, -1, -1, -1};
    for (int j = 0; j < info.inputs; ++j) {
      float v = static_cast<float>(out[j]);
      if (!(v == v)) continue;
      int k = 5;
      while (k > 0 && (best[k - 1] < 0 || v > static_cast<float>(out[best[k - 1]]))) --k;
      if (k >= 5) continue;
      for (int q = 4; q > k; --q) best[q] = best[q - 1];
      best[k] = j;
    }
    for (int k = 0; k < 5; ++k) {
      top5[t * 5 + k] = static_cast<unsigned char>(best[k] < 0 ? 0 : best[k]);
      prob5[t * 5 + k] = best[k] < 0 ? 0.f : static_cast<float>(out[best[k]]);
    }
  }

  // Rank every unit; pages for the top ones and the -unit one.
  std::vector<const float*> ptr;
  std::vector<int> size;
  for (size_t s = 0; s < states.size(); ++s) {
    ptr.push_back(values[s].data());
    size.push_back(states[s].size);
  }
  std::vector<interpret::UnitScore> ranked = interpret::rank_units(ptr, size, interpret::text_features(text.data(), n), n);
  std::vector<std::string> names(ranked.size()), pages(ranked.size());
  std::vector<size_t> with_page;
  for (size_t i = 0; i < ranked.size(); ++i) {
    names[i] = std::string(states[ranked[i].state].name) + ":" + std::to_string(ranked[i].index);
    bool chosen = ranked[i].state == unit_state && ranked[i].index == unit.index;
    if (static_cast<long long>(i) < top || chosen) {
      pages[i] = unit_file(states[ranked[i].state].name, ranked[i].index);
      check_ours(dir + "/" + pages[i]);
      with_page.push_back(i);
    }
  }

  html::PageInfo page;
  page.model = info.name;
  page.summary = info.summary;
  page.source = source;
  page.shown = n;
  page.total = total;
  page.cap = cap;
  std::string states_line = "Recurrent states: " + known + ".";
  if (states.size() > 1)
    for (const StateView& s : states)
      if (std::strcmp(s.kind, "lstm") == 0) {
        states_line += " An [lstm] has two: NAME.cell, its cell c, and NAME.h, its output h = o*tanh(c); "
                       "-unit NAME:INDEX means the cell.";
        break;
      }
  std::vector<float> act(n);
  for (size_t i : with_page) {
    const interpret::UnitScore& u = ranked[i];
    const StateView& s = states[u.state];
    for (size_t t = 0; t < n; ++t) act[t] = values[u.state][t * s.size + u.index];
    std::string about = "Unit " + std::to_string(u.index) + " of " + s.name + " (the " + s.member + " of [" + s.kind +
                        "] " + s.layer + ", " + std::to_string(s.size) + " units); rank " + std::to_string(i + 1) +
                        " of " + std::to_string(ranked.size()) + " by interpretability score " +
                        html::fixed(u.score, 3) + ".";
    write_page(dir + "/" + pages[i], html::unit_page(page, names[i], about, u, text.data(), n, act, top5, prob5));
  }
  write_page(dir + "/index.html", html::index_page(page, names, ranked, pages, states_line));
  remove_stale_pages(dir, pages);
  std::printf("%s/index.html: %zu units ranked, %zu unit pages; %zu of %zu characters shown\n", dir.c_str(),
              ranked.size(), with_page.size(), n, total);
  flush_stdout();
  return 0;
}

}  // namespace rnnc
