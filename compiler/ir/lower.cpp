#include "ir/lower.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <limits>

#include "ir/limits.h"

namespace rnnc {

namespace {

// Reads a section's options with darknet's defaults, strictly typed.
class Options {
 public:
  explicit Options(const CfgSection& s) : s_(s) {}

  const CfgOption* find(const char* key) const {
    const CfgOption* o = s_.find(key);
    if (o) o->used = true;
    return o;
  }

  int integer(const char* key, int def) const {
    const CfgOption* o = find(key);
    if (!o) return def;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(o->value.c_str(), &end, 10);
    if (*end || errno || v < -2147483647L || v > 2147483647L)
      throw CompileError(o->loc, fmt::format("'{}' expects an integer, got '{}'", key, o->value));
    return static_cast<int>(v);
  }

  int positive(const char* key, int def) const {
    int v = integer(key, def);
    if (v <= 0) throw CompileError(loc_of(key), fmt::format("'{}' must be at least 1, got {}", key, v));
    return v;
  }

  bool flag(const char* key, bool def) const {
    int v = integer(key, def ? 1 : 0);
    if (v != 0 && v != 1) throw CompileError(loc_of(key), fmt::format("'{}' is 0 or 1, got {}", key, v));
    return v == 1;
  }

  float real(const char* key, float def) const {
    const CfgOption* o = find(key);
    if (!o) return def;
    return parse_real(o->value, *o, key);
  }

  std::string str(const char* key, const std::string& def) const {
    const CfgOption* o = find(key);
    return o ? o->value : def;
  }

  // "1000,1500" -> {1000, 1500}
  std::vector<std::string> list(const char* key) const {
    std::vector<std::string> out;
    const CfgOption* o = find(key);
    if (!o) return out;
    size_t start = 0;
    while (true) {
      size_t comma = o->value.find(',', start);
      out.push_back(o->value.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return out;
  }

  SourceLoc loc_of(const char* key) const {
    const CfgOption* o = s_.find(key);
    return o ? o->loc : s_.loc;
  }

  static float parse_real(const std::string& text, const CfgOption& o, const char* key) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !std::isfinite(v) || (errno && v != 0))
      throw CompileError(o.loc, fmt::format("'{}' expects a number, got '{}'", key, text));
    // The program holds it as a float: checked as the float it becomes.
    float f = static_cast<float>(v);
    if (!std::isfinite(f))
      throw CompileError(o.loc, fmt::format("'{}={}' is too large for a float; the limit is {:g}", key, text,
                                            double(std::numeric_limits<float>::max())));
    if (v != 0 && !std::isnormal(f))
      throw CompileError(o.loc, fmt::format("'{}={}' is too small for a float (it would be {}); the smallest is {:g}",
                                            key, text, f == 0 ? "0" : "a denormal",
                                            double(std::numeric_limits<float>::min())));
    return f;
  }

  // A batch number ([net] steps=, a list): darknet reads them with atoi; a
  // value such as 1e30 cannot become an int, so it is refused, not cast.
  static int parse_batch_number(const std::string& text, const CfgOption& o, const char* key) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !std::isfinite(v))
      throw CompileError(o.loc, fmt::format("'{}' expects a batch number, got '{}'", key, text));
    if (v < 0 || v >= double(kMaxBatchCount) + 1)
      throw CompileError(o.loc, fmt::format("'{}' holds {}, but a batch number runs from 0 to {}", key, text,
                                            kMaxBatchCount));
    return static_cast<int>(v);
  }

  // darknet's "Unused field" note, and a duplicate key's.
  void report_unused(Diagnostics& d) const {
    for (size_t i = 0; i < s_.options.size(); ++i) {
      const CfgOption& o = s_.options[i];
      if (s_.find(o.key) != &o) {
        d.warn(o.loc, fmt::format("'{}' is set twice in [{}]; the first value is used", o.key, s_.type));
        continue;
      }
      if (!o.used) d.warn(o.loc, fmt::format("unused field '{} = {}' in [{}]", o.key, o.value, s_.type));
    }
  }

 private:
  const CfgSection& s_;
};

Act read_activation(const Options& o, const char* def) {
  std::string name = o.str("activation", def);
  const ActName* a = find_act(name.c_str());
  if (!a)
    throw CompileError(o.loc_of("activation"),
                       fmt::format("unknown activation '{}'; darknet's are: {}", name, all_activation_names()));
  return a->act;
}

NetOptions read_net(const Options& o) {
  NetOptions n;
  int batch = o.positive("batch", 1);
  n.learning_rate = o.real("learning_rate", .001f);
  n.momentum = o.real("momentum", .9f);
  n.decay = o.real("decay", .0001f);
  n.subdivisions = o.positive("subdivisions", 1);
  n.time_steps = o.positive("time_steps", 1);
  if (batch % n.subdivisions != 0)
    throw CompileError(o.loc_of("subdivisions"),
                       fmt::format("batch={} does not divide into subdivisions={}", batch, n.subdivisions));
  // Rows of a training batch: streams x time_steps, in 64 bits (two ints' product).
  const int64_t streams = batch / n.subdivisions, rows = streams * int64_t(n.time_steps);
  if (rows > kMaxBatchRows) {
    const char* key = o.find("time_steps") ? "time_steps" : "batch";
    throw CompileError(o.loc_of(key),
                       fmt::format("batch={} time_steps={} gives {} rows per training batch ({} streams x {} steps); "
                                   "rnnc's limit is {} ({}) rows",
                                   batch, n.time_steps, rows, streams, n.time_steps, kMaxBatchRowsText, kMaxBatchRows));
  }
  n.batch = static_cast<int>(rows);
  n.streams = static_cast<int>(streams);
  n.adam = o.flag("adam", false);
  if (n.adam) {
    n.B1 = o.real("B1", .9f);
    n.B2 = o.real("B2", .999f);
    n.eps = o.real("eps", .0000001f);
  }
  int64_t h = o.integer("height", 0), w = o.integer("width", 0), c = o.integer("channels", 0);
  const int64_t hwc = h * w * c;  // each factor an int: no overflow in 64 bits
  if (!o.find("inputs") && (hwc > 256 || hwc < 0))
    throw CompileError(o.loc_of("height"), fmt::format("height x width x channels = {}, but a char-RNN reads bytes: "
                                                       "at most 256 inputs",
                                                       hwc));
  n.inputs = o.integer("inputs", static_cast<int>(hwc));
  n.inputs_loc = o.loc_of(o.find("inputs") ? "inputs" : "height");
  if (n.inputs <= 0)
    throw CompileError(o.loc_of("inputs"), "[net] needs inputs= (256 for a char-RNN over bytes)");
  std::string policy = o.str("policy", "constant");
  const PolicyName* p = find_policy(policy.c_str());
  if (!p) {
    std::vector<std::string> names;
    for (const PolicyName& x : kPolicyNames) names.push_back(x.cfg);
    throw CompileError(o.loc_of("policy"),
                       fmt::format("unknown policy '{}'; darknet's are {}", policy, fmt::join(names, ", ")));
  }
  n.policy = p->policy;
  n.burn_in = o.integer("burn_in", 0);
  if (n.burn_in < 0) throw CompileError(o.loc_of("burn_in"), fmt::format("burn_in must be 0 or more, got {}", n.burn_in));
  n.power = o.real("power", 4);
  if (n.policy == Policy::Step) {
    n.step = o.positive("step", 1);
    n.scale = o.real("scale", 1);
  } else if (n.policy == Policy::Steps) {
    auto steps = o.list("steps"), scales = o.list("scales");
    if (steps.empty() || scales.empty())
      throw CompileError(o.loc_of("policy"), "policy=steps needs both steps= and scales=");
    if (steps.size() != scales.size())
      throw CompileError(o.loc_of("scales"), fmt::format("steps= has {} values but scales= has {}", steps.size(), scales.size()));
    const CfgOption* so = o.find("steps");
    const CfgOption* sc = o.find("scales");
    for (size_t i = 0; i < steps.size(); ++i) {
      n.steps.push_back(Options::parse_batch_number(steps[i], *so, "steps"));
      n.scales.push_back(Options::parse_real(scales[i], *sc, "scales"));
    }
  } else if (n.policy == Policy::Exp) {
    n.gamma = o.real("gamma", 1);
  } else if (n.policy == Policy::Sig) {
    n.gamma = o.real("gamma", 1);
    n.step = o.positive("step", 1);
  }
  n.max_batches = o.integer("max_batches", 0);
  if (n.max_batches < 0)
    throw CompileError(o.loc_of("max_batches"), fmt::format("max_batches must be 0 or more, got {}", n.max_batches));
  // Keys darknet's [net] reads for image models: accepted, meaningless here.
  for (const char* k : {"max_crop", "min_crop", "max_ratio", "min_ratio", "center", "clip", "angle", "aspect",
                        "saturation", "exposure", "hue", "random", "notruth"})
    o.find(k);
  return n;
}

// Each sub-layer's in x out weight matrix within rnnc's limit, in 64 bits;
// the error names the output= line that made it too large.
void check_weight_matrices(const Layer& l, const Options& o) {
  const Dense* largest = nullptr;
  for (const Dense& d : l.dense)
    if (!largest || int64_t(d.in) * d.out > int64_t(largest->in) * largest->out) largest = &d;
  if (largest && int64_t(largest->in) * largest->out > kMaxTensorElements)
    throw CompileError(o.loc_of("output"),
                       fmt::format("output={} gives a {} x {} weight matrix ({}, {} elements); rnnc's limit is {} "
                                   "elements per sub-layer",
                                   l.outputs, largest->out, largest->in, largest->name,
                                   int64_t(largest->in) * largest->out, kMaxTensorElementsText));
}

// A sub-layer of l named after its role in it ("rnn0.self"), reading what
// `input` says: its size follows from that, so size and role cannot disagree.
Dense dense(const Layer& l, const char* role, DenseInput input, bool bn, Act a) {
  const int in = input == DenseInput::State ? l.outputs : l.inputs;
  return Dense{role[0] ? l.name + "." + role : l.name, in, l.outputs, bn, a, input};
}

}  // namespace

Model lower(const CfgFile& cfg, Diagnostics& diags) {
  Model m;
  m.cfg_path = cfg.path;
  m.name = std::filesystem::path(cfg.path).stem().string();
  if (cfg.sections.empty()) throw CompileError(SourceLoc{cfg.path, 0, 0}, "the cfg has no sections; it must start with [net]");
  const CfgSection& first = cfg.sections[0];
  if (first.type != "net" && first.type != "network")
    throw CompileError(first.loc, fmt::format("the first section must be [net] or [network], got [{}]", first.type));
  Options net_opts(first);
  m.net = read_net(net_opts);
  net_opts.report_unused(diags);

  constexpr DenseInput X = DenseInput::LayerInput, H = DenseInput::State;
  int inputs = m.net.inputs;
  for (size_t i = 1; i < cfg.sections.size(); ++i) {
    const CfgSection& s = cfg.sections[i];
    Options o(s);
    Layer l;
    l.index = static_cast<int>(i) - 1;
    l.loc = s.loc;
    l.inputs = inputs;
    std::string t = s.type;
    if (t == "rnn") {
      l.kind = LayerKind::Rnn;
      l.name = fmt::format("rnn{}", l.index);
      l.outputs = o.positive("output", 1);
      l.activation = read_activation(o, "logistic");
      l.batch_normalize = o.flag("batch_normalize", false);
      l.shortcut = o.flag("shortcut", false);
      l.dense = {dense(l, "input", X, l.batch_normalize, l.activation),
                 dense(l, "self", H, l.batch_normalize, l.activation),
                 dense(l, "output", H, l.batch_normalize, l.activation)};
      l.build_order = {0, 1, 2};
    } else if (t == "connected" || t == "conn") {
      l.kind = LayerKind::Connected;
      l.name = fmt::format("connected{}", l.index);
      l.outputs = o.positive("output", 1);
      l.activation = read_activation(o, "logistic");
      l.batch_normalize = o.flag("batch_normalize", false);
      l.dense = {dense(l, "", X, l.batch_normalize, l.activation)};
      l.build_order = {0};
    } else if (t == "softmax" || t == "soft") {
      l.kind = LayerKind::Softmax;
      l.name = fmt::format("softmax{}", l.index);
      l.groups = o.positive("groups", 1);
      l.temperature = o.real("temperature", 1);
      if (!(l.temperature > 0)) throw CompileError(o.loc_of("temperature"), "temperature must be above 0");
      if (inputs % l.groups != 0)
        throw CompileError(o.loc_of("groups"), fmt::format("groups={} does not divide the {} inputs", l.groups, inputs));
      l.outputs = inputs;
    } else if (t == "lstm") {
      l.kind = LayerKind::Lstm;
      l.name = fmt::format("lstm{}", l.index);
      l.outputs = o.positive("output", 1);
      l.batch_normalize = o.flag("batch_normalize", false);
      bool bn = l.batch_normalize;
      auto lin = Act::Linear;
      // File order: wi wf wo wg (recurrent, on h), then ui uf uo ug (on x).
      l.dense = {dense(l, "wi", H, bn, lin), dense(l, "wf", H, bn, lin), dense(l, "wo", H, bn, lin),
                 dense(l, "wg", H, bn, lin), dense(l, "ui", X, bn, lin), dense(l, "uf", X, bn, lin),
                 dense(l, "uo", X, bn, lin), dense(l, "ug", X, bn, lin)};
      l.build_order = {5, 4, 7, 6, 1, 0, 3, 2};  // uf ui ug uo wf wi wg wo
    } else if (t == "gru") {
      l.kind = LayerKind::Gru;
      l.name = fmt::format("gru{}", l.index);
      l.outputs = o.positive("output", 1);
      l.batch_normalize = o.flag("batch_normalize", false);
      l.tanh = o.flag("tanh", false);
      bool bn = l.batch_normalize;
      auto lin = Act::Linear;
      // File order: wz wr wh (recurrent), then uz ur uh (on x).
      l.dense = {dense(l, "wz", H, bn, lin), dense(l, "wr", H, bn, lin), dense(l, "wh", H, bn, lin),
                 dense(l, "uz", X, bn, lin), dense(l, "ur", X, bn, lin), dense(l, "uh", X, bn, lin)};
      l.build_order = {3, 0, 4, 1, 5, 2};  // uz wz ur wr uh wh
    } else if (t == "dropout") {
      // darknet's parse_dropout: probability (default .5); the output is the input.
      l.kind = LayerKind::Dropout;
      l.name = fmt::format("dropout{}", l.index);
      if (l.index == 0)
        throw CompileError(s.loc, "a [dropout] cannot be the first layer: it drops elements of the layer before it");
      l.probability = o.real("probability", .5f);
      // scale = 1 / (1 - probability): at 1 it divides by zero, and every element would be dropped.
      if (!(l.probability >= 0 && l.probability < 1))
        throw CompileError(o.loc_of("probability"),
                           fmt::format("'probability' is the chance of dropping an element, from 0 up to (not "
                                       "including) 1, got {}",
                                       o.str("probability", "")));
      l.outputs = inputs;
    } else {
      throw CompileError(s.loc, fmt::format("unknown section [{}]; rnnc compiles [net], [rnn], [lstm], [gru], "
                                            "[connected], [dropout] and [softmax]",
                                            t));
    }
    // Keys darknet reads for every layer; rnnc has no use for them.
    for (const char* k : {"truth", "onlyforward", "stopbackward", "dontsave", "dontload", "numload", "dontloadscales",
                          "learning_rate", "smooth"})
      if (const CfgOption* opt = o.find(k)) diags.warn(opt->loc, fmt::format("rnnc ignores '{}' in [{}]", k, t));
    check_weight_matrices(l, o);
    o.report_unused(diags);
    inputs = l.outputs;
    m.layers.push_back(std::move(l));
  }
  if (m.layers.empty()) throw CompileError(first.loc, "the cfg has a [net] but no layers");
  check_model_limits(m);
  return m;
}

void check_text_model(const Model& m) {
  // inputs is the symbols a model reads: 256 bytes for a char-RNN, a
  // vocabulary's tokens for a word-level one (darknet's -tokenized); the
  // training buffers' limits (check_model_limits) bound it.
  const Layer& last = m.layers.back();
  if (last.kind != LayerKind::Softmax)
    throw CompileError(last.loc, fmt::format("the last layer is [{}], but a char-RNN ends in a [softmax] over its {} "
                                             "inputs, to predict the next character",
                                             layer_kind_name(last.kind), m.net.inputs));
  if (last.outputs != m.net.inputs)
    throw CompileError(last.loc, fmt::format("the [softmax] has {} outputs but the model reads {} characters; the "
                                             "layer before it needs output={}",
                                             last.outputs, m.net.inputs, m.net.inputs));
  for (const Layer& l : m.layers)
    if (l.kind == LayerKind::Softmax && &l != &last)
      throw CompileError(l.loc, "a [softmax] can only be the last layer of a char-RNN");
}

}  // namespace rnnc
