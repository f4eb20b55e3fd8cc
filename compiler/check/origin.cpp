#include "check/origin.h"

#include <cctype>
#include <vector>

namespace rnnc {

namespace {

size_t indentation(const std::string& line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

bool blank(const std::string& line) { return indentation(line) == line.size(); }

// Reads "file:line:col" at the start of S, the file running up to the first
// ":digits:digits" that END accepts as what follows; returns where it stopped, 0 if none.
size_t read_loc(const std::string& s, size_t from, SourceLoc& loc, bool (*end)(const std::string&, size_t)) {
  for (size_t c = s.find(':', from); c != std::string::npos; c = s.find(':', c + 1)) {
    size_t a = c + 1, b = a;
    while (b < s.size() && std::isdigit(static_cast<unsigned char>(s[b]))) ++b;
    if (b == a || b >= s.size() || s[b] != ':') continue;
    size_t d = b + 1, e = d;
    while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
    if (e == d || !end(s, e)) continue;
    if (c == from) return 0;
    loc.file = s.substr(from, c - from);
    loc.line = std::stoi(s.substr(a, b - a));
    loc.column = std::stoi(s.substr(d, e - d));
    return e;
  }
  return 0;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at <= text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) {
      if (at < text.size()) lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

}  // namespace

std::optional<EmittedOrigin> parse_origin_marker(const std::string& line) {
  size_t i = indentation(line);
  if (line.compare(i, 4, "// [") != 0) return std::nullopt;
  size_t kind_end = line.find(']', i + 4);
  if (kind_end == std::string::npos || kind_end == i + 4) return std::nullopt;
  EmittedOrigin o;
  o.kind = line.substr(i + 4, kind_end - (i + 4));
  for (char ch : o.kind)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return std::nullopt;
  size_t name_at = kind_end + 1;
  if (name_at >= line.size() || line[name_at] != ' ') return std::nullopt;
  ++name_at;
  size_t name_end = name_at;
  while (name_end < line.size() && line[name_end] != ' ' && line[name_end] != ',') ++name_end;
  if (name_end == name_at || name_end >= line.size()) return std::nullopt;
  o.layer = line.substr(name_at, name_end - name_at);
  if (line.compare(name_end, 2, " (") == 0) {  // "(file:line:col)" then ":" or the end
    auto close = [](const std::string& s, size_t e) { return e < s.size() && s[e] == ')'; };
    if (!read_loc(line, name_end + 2, o.loc, close)) return std::nullopt;
  } else if (line.compare(name_end, 2, ", ") == 0) {  // ", file:line:col" to the end
    auto at_end = [](const std::string& s, size_t e) { return e == s.size(); };
    if (!read_loc(line, name_end + 2, o.loc, at_end)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return o;
}

std::optional<EmittedOrigin> origin_of_emitted_line(const std::string& source, int line) {
  std::vector<std::string> lines = split_lines(source);
  if (line < 1 || line > static_cast<int>(lines.size())) return std::nullopt;
  // The innermost scope seen so far, walking up: a marker only counts if it is
  // indented no deeper than every line between it and LINE.
  if (blank(lines[line - 1])) return std::nullopt;
  size_t min_indent = indentation(lines[line - 1]);
  for (int i = line; i >= 1; --i) {
    const std::string& l = lines[i - 1];
    if (blank(l)) return std::nullopt;
    if (auto o = parse_origin_marker(l)) {
      if (indentation(l) > min_indent) return std::nullopt;  // a marker in a scope that has ended
      o->marker_line = i;
      return o;
    }
    size_t ind = indentation(l);
    if (ind < min_indent) min_indent = ind;
  }
  return std::nullopt;
}

}  // namespace rnnc
