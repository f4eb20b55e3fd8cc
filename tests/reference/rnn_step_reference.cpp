// A plain, independent reference for rnnc's trainer: darknet's train_char_rnn
// for a few batches, in double, written from darknet's documented semantics
// (examples/rnn.c, src/rnn_layer.c, connected_layer.c, batchnorm_layer.c,
// softmax_layer.c, network.c) and rnnc's README, sharing no code with rnnc's
// runtime: only the cfg keys and the weights file layout are common knowledge.
//
//   rnn_step_reference CFG WEIGHTS DATA OUT [-srand N] [-batches K] [-lr_scale F]
//                      [-momentum FILE] [-offsets FILE]
//
// Reads a small cfg ([net], [rnn], [connected], [softmax]; constant rate, one
// subdivision), starts from WEIGHTS, trains K batches (default 1) of DATA and
// writes the weights to OUT (darknet's 0.2.0 layout). -momentum writes every
// sub-layer's update buffers after the last batch (bias, weight, scale
// updates, float32, file order); -offsets the stream offsets, one a line.
// Prints "i: loss" per batch (loss = summed cost / rows, as darknet prints it).
//
// Semantics (darknet's, except where rnnc deliberately differs, as documented):
// - randomness is C's rand() after srand(N) (glibc on Linux, as darknet):
//   building the network draws one rand() per connected weight (inputs *
//   outputs per sub-layer, in cfg order; the file overwrites the values), then
//   each stream's offset is rand_size_t() % size (eight rand() & 0xff bytes,
//   most significant first, as gcc evaluates darknet's expression), and after
//   each batch each stream moves to a new rand_size_t() % size when
//   rand() % 64 == 0;
// - a batch is `streams` streams of `time_steps` bytes, row t * streams + s;
//   x = the byte, truth = the next byte (the file wraps around);
// - every [rnn] starts each batch from a zero state; its three sub-layers take
//   batch-norm statistics per time step (over the streams), a [connected]
//   over all rows; variance divides by n - 1, epsilon 1e-6 outside the root;
//   rolling mean/variance = .99 * rolling + .01 * batch statistic;
// - the gradient is the EXACT gradient of that forward pass (rnnc's choice;
//   darknet's rnn and batch-norm backward drop terms): plain backpropagation
//   through time, written out below;
// - softmax cross-entropy: cost -log p[truth], d cost / d logit = p - onehot;
// - SGD with momentum and decay as darknet's update_connected_layer, with
//   updates = -gradient summed over the batch, B = streams * time_steps:
//   ub += -g_b; b += lr/B * ub; ub *= momentum (scales the same), and
//   uw += -g_w; uw += -decay * B * w; w += lr/B * uw; uw *= momentum.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using std::string;
using std::vector;
using Vec = vector<double>;

[[noreturn]] static void die(const string& msg) {
  std::fprintf(stderr, "reference: %s\n", msg.c_str());
  std::exit(1);
}

enum class Act { Linear, Leaky, Logistic, Tanh, Relu };

static Act parse_act(const string& s) {
  if (s == "linear") return Act::Linear;
  if (s == "leaky") return Act::Leaky;
  if (s == "logistic") return Act::Logistic;
  if (s == "tanh") return Act::Tanh;
  if (s == "relu") return Act::Relu;
  die("unsupported activation " + s);
}

static double act(Act a, double u) {
  switch (a) {
    case Act::Linear: return u;
    case Act::Leaky: return u > 0 ? u : .1 * u;
    case Act::Logistic: return 1 / (1 + std::exp(-u));
    case Act::Tanh: return std::tanh(u);
    case Act::Relu: return u > 0 ? u : 0;
  }
  return u;
}

// d act / d u, from the pre-activation u.
static double act_slope(Act a, double u) {
  switch (a) {
    case Act::Linear: return 1;
    case Act::Leaky: return u > 0 ? 1 : .1;
    case Act::Logistic: { double s = 1 / (1 + std::exp(-u)); return s * (1 - s); }
    case Act::Tanh: { double t = std::tanh(u); return 1 - t * t; }
    case Act::Relu: return u > 0 ? 1 : 0;
  }
  return 1;
}

// One darknet connected sub-layer. W is [out][in].
struct Dense {
  int in = 0, out = 0;
  bool bn = false;
  Vec W, b, scale, rmean, rvar;
  Vec gW, gb, gs;   // gradients of the summed cost (positive sense)
  Vec uW, ub, us;   // darknet's *_updates: momentum buffers
  Dense(int in_, int out_, bool bn_) : in(in_), out(out_), bn(bn_) {
    W.assign(size_t(in) * out, 0);
    b.assign(out, 0);
    gW = uW = W;
    gb = ub = b;
    if (bn) scale = rmean = rvar = gs = us = b;
  }
};

// What one forward call over R rows (one batch-norm group) keeps.
struct Run {
  int R = 0;
  Vec x, z, u, y;   // input, x W^T, pre-activation, output
  Vec mu, sd;       // per output (batch norm)
};

static Run dense_forward(Dense& d, Act a, const Vec& x, int R) {
  Run r;
  r.R = R;
  r.x = x;
  r.z.assign(size_t(R) * d.out, 0);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < d.out; ++j) {
      double s = 0;
      for (int k = 0; k < d.in; ++k) s += x[size_t(i) * d.in + k] * d.W[size_t(j) * d.in + k];
      r.z[size_t(i) * d.out + j] = s;
    }
  r.u = r.z;
  if (d.bn) {
    r.mu.assign(d.out, 0);
    r.sd.assign(d.out, 0);
    for (int j = 0; j < d.out; ++j) {
      double m = 0, v = 0;
      for (int i = 0; i < R; ++i) m += r.z[size_t(i) * d.out + j];
      m /= R;
      for (int i = 0; i < R; ++i) v += (r.z[size_t(i) * d.out + j] - m) * (r.z[size_t(i) * d.out + j] - m);
      v /= R - 1;
      r.mu[j] = m;
      r.sd[j] = std::sqrt(v);
      d.rmean[j] = .99 * d.rmean[j] + .01 * m;
      d.rvar[j] = .99 * d.rvar[j] + .01 * v;
      for (int i = 0; i < R; ++i) {
        double xhat = (r.z[size_t(i) * d.out + j] - m) / (r.sd[j] + 1e-6);
        r.u[size_t(i) * d.out + j] = xhat * d.scale[j] + d.b[j];
      }
    }
  } else {
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < d.out; ++j) r.u[size_t(i) * d.out + j] += d.b[j];
  }
  r.y = r.u;
  for (double& v : r.y) v = act(a, v);
  return r;
}

// gy = dCost/dy for the run's rows; accumulates the sub-layer's gradients and
// returns dCost/dx.
static Vec dense_backward(Dense& d, Act a, const Run& r, const Vec& gy) {
  const int R = r.R, O = d.out;
  Vec gu(gy.size());
  for (size_t i = 0; i < gy.size(); ++i) gu[i] = gy[i] * act_slope(a, r.u[i]);
  Vec gz = gu;
  for (int j = 0; j < O; ++j) {
    double sb = 0;
    for (int i = 0; i < R; ++i) sb += gu[size_t(i) * O + j];
    d.gb[j] += sb;
  }
  if (d.bn) {
    // xhat_i = (z_i - mu) / D, D = sd + eps, sd = sqrt(sum_k (z_k - mu)^2 / (R - 1)):
    // dC/dz_k = (g_k - mean g) / D - (z_k - mu) * sum_i g_i (z_i - mu) / (D^2 (R - 1) sd), g = dC/dxhat.
    for (int j = 0; j < O; ++j) {
      const double D = r.sd[j] + 1e-6;
      double s_gx = 0, s1 = 0, s2 = 0;
      for (int i = 0; i < R; ++i) {
        double c = r.z[size_t(i) * O + j] - r.mu[j];
        double g = gu[size_t(i) * O + j] * d.scale[j];
        s_gx += gu[size_t(i) * O + j] * c / D;
        s1 += g;
        s2 += g * c;
      }
      d.gs[j] += s_gx;
      for (int i = 0; i < R; ++i) {
        double c = r.z[size_t(i) * O + j] - r.mu[j];
        double g = gu[size_t(i) * O + j] * d.scale[j];
        double v = (g - s1 / R) / D;
        if (r.sd[j] > 0) v -= c * s2 / (D * D * (R - 1) * r.sd[j]);
        gz[size_t(i) * O + j] = v;
      }
    }
  }
  Vec gx(size_t(R) * d.in, 0);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < O; ++j) {
      double g = gz[size_t(i) * O + j];
      if (g == 0) continue;
      for (int k = 0; k < d.in; ++k) {
        d.gW[size_t(j) * d.in + k] += g * r.x[size_t(i) * d.in + k];
        gx[size_t(i) * d.in + k] += g * d.W[size_t(j) * d.in + k];
      }
    }
  return gx;
}

enum class Kind { Rnn, Connected, Softmax };

struct Layer {
  Kind kind;
  Act a = Act::Logistic;  // darknet's default activation
  bool bn = false, shortcut = false;
  int out = 1;
  vector<Dense> d;                      // rnn: input, self, output; connected: one
  vector<Run> in_runs, self_runs, out_runs, runs;
  Vec p;                                // softmax probabilities
  explicit Layer(Kind k) : kind(k) {}
};

struct Net {
  int batch = 1, subdivisions = 1, time_steps = 1, inputs = 0;
  double lr = .001, momentum = .9, decay = .0001;
  vector<Layer> layers;
};

static string strip(const string& s) {
  string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += c;
  return o;
}

static Net read_cfg(const string& path) {
  std::ifstream f(path);
  if (!f) die("cannot open " + path);
  Net n;
  string line, section;
  while (std::getline(f, line)) {
    line = strip(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      if (section == "[rnn]") n.layers.push_back(Layer(Kind::Rnn));
      else if (section == "[connected]") n.layers.push_back(Layer(Kind::Connected));
      else if (section == "[softmax]") n.layers.push_back(Layer(Kind::Softmax));
      else if (section != "[net]" && section != "[network]") die("unsupported section " + section);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == string::npos) die("bad line " + line);
    string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (section == "[net]" || section == "[network]") {
      if (k == "batch") n.batch = std::stoi(v);
      else if (k == "subdivisions") n.subdivisions = std::stoi(v);
      else if (k == "time_steps") n.time_steps = std::stoi(v);
      else if (k == "inputs") n.inputs = std::stoi(v);
      else if (k == "learning_rate") n.lr = std::stod(v);
      else if (k == "momentum") n.momentum = std::stod(v);
      else if (k == "decay") n.decay = std::stod(v);
      else if (k == "max_batches") {
      } else if (k == "policy") {
        if (v != "constant") die("only policy=constant");
      } else die("unsupported [net] key " + k);
      continue;
    }
    Layer& l = n.layers.back();
    if (k == "output" && l.kind != Kind::Softmax) l.out = std::stoi(v);
    else if (k == "activation" && l.kind != Kind::Softmax) l.a = parse_act(v);
    else if (k == "batch_normalize" && l.kind != Kind::Softmax) l.bn = std::stoi(v) != 0;
    else if (k == "shortcut" && l.kind == Kind::Rnn) l.shortcut = std::stoi(v) != 0;
    else die("unsupported key " + k + " in " + section);
  }
  if (n.subdivisions != 1) die("only subdivisions=1");
  if (n.layers.empty() || n.layers.back().kind != Kind::Softmax) die("the last layer must be [softmax]");
  int in = n.inputs;
  for (Layer& l : n.layers) {
    if (l.kind == Kind::Rnn) {
      l.d = {Dense(in, l.out, l.bn), Dense(l.out, l.out, l.bn), Dense(l.out, l.out, l.bn)};
      in = l.out;
    } else if (l.kind == Kind::Connected) {
      l.d = {Dense(in, l.out, l.bn)};
      in = l.out;
    }
  }
  if (in != n.inputs) die("the softmax must see `inputs` values");
  return n;
}

static void read_weights(Net& n, const string& path, uint64_t& seen) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot open " + path);
  int32_t v[3];
  f.read(reinterpret_cast<char*>(v), 12);
  if (v[0] != 0 || v[1] != 2) die("expects a 0.2.x weights file");
  f.read(reinterpret_cast<char*>(&seen), 8);
  auto take = [&](Vec& x) {
    for (double& e : x) {
      float t;
      if (!f.read(reinterpret_cast<char*>(&t), 4)) die("weights file too short");
      e = t;
    }
  };
  for (Layer& l : n.layers)
    for (Dense& d : l.d) {
      take(d.b);
      take(d.W);
      if (d.bn) {
        take(d.scale);
        take(d.rmean);
        take(d.rvar);
      }
    }
  char c;
  if (f.read(&c, 1)) die("weights file too long");
}

static void write_floats(FILE* f, const Vec& x) {
  for (double e : x) {
    float t = static_cast<float>(e);
    std::fwrite(&t, 4, 1, f);
  }
}

static void write_weights(const Net& n, const string& path, uint64_t seen) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) die("cannot write " + path);
  int32_t v[3] = {0, 2, 0};
  std::fwrite(v, 4, 3, f);
  std::fwrite(&seen, 8, 1, f);
  for (const Layer& l : n.layers)
    for (const Dense& d : l.d) {
      write_floats(f, d.b);
      write_floats(f, d.W);
      if (d.bn) {
        write_floats(f, d.scale);
        write_floats(f, d.rmean);
        write_floats(f, d.rvar);
      }
    }
  if (std::fclose(f) != 0) die("cannot write " + path);
}

// Rows [t * S, (t + 1) * S) of a rows x width matrix.
static Vec rows_of(const Vec& m, int t, int S, int width) {
  return Vec(m.begin() + size_t(t) * S * width, m.begin() + size_t(t + 1) * S * width);
}
static void put_rows(Vec& m, const Vec& part, int t, int S, int width) {
  std::copy(part.begin(), part.end(), m.begin() + size_t(t) * S * width);
}

// Forward over the batch; returns the summed cost; the last layer's dC/dlogits in `g`.
static double forward(Net& n, const vector<int>& xs, const vector<int>& ys, int S, int T) {
  const int B = S * T;
  Vec x(size_t(B) * n.inputs, 0);
  for (int r = 0; r < B; ++r) x[size_t(r) * n.inputs + xs[r]] = 1;
  int width = n.inputs;
  double cost = 0;
  for (Layer& l : n.layers) {
    if (l.kind == Kind::Connected) {
      l.runs = {dense_forward(l.d[0], l.a, x, B)};
      x = l.runs[0].y;
      width = l.out;
    } else if (l.kind == Kind::Rnn) {
      const int H = l.out;
      Vec y(size_t(B) * H), h(size_t(S) * H, 0);  // h_{-1} = 0
      l.in_runs.clear();
      l.self_runs.clear();
      l.out_runs.clear();
      for (int t = 0; t < T; ++t) {
        l.in_runs.push_back(dense_forward(l.d[0], l.a, rows_of(x, t, S, width), S));
        l.self_runs.push_back(dense_forward(l.d[1], l.a, h, S));
        Vec hn(size_t(S) * H);
        for (size_t i = 0; i < hn.size(); ++i)
          hn[i] = l.in_runs[t].y[i] + l.self_runs[t].y[i] + (l.shortcut ? h[i] : 0);
        h = hn;
        l.out_runs.push_back(dense_forward(l.d[2], l.a, h, S));
        put_rows(y, l.out_runs[t].y, t, S, H);
      }
      x = y;
      width = H;
    } else {
      l.p.assign(x.size(), 0);
      for (int r = 0; r < B; ++r) {
        double m = -INFINITY, sum = 0;
        for (int i = 0; i < width; ++i) m = std::max(m, x[size_t(r) * width + i]);
        for (int i = 0; i < width; ++i) sum += l.p[size_t(r) * width + i] = std::exp(x[size_t(r) * width + i] - m);
        for (int i = 0; i < width; ++i) l.p[size_t(r) * width + i] /= sum;
        cost -= std::log(l.p[size_t(r) * width + ys[r]]);
      }
    }
  }
  return cost;
}

static void backward(Net& n, const vector<int>& ys, int S, int T) {
  const int B = S * T;
  Vec g;  // dC / d(output of the layer being walked back into)
  for (size_t li = n.layers.size(); li-- > 0;) {
    Layer& l = n.layers[li];
    if (l.kind == Kind::Softmax) {
      g = l.p;
      const int width = int(g.size() / B);
      for (int r = 0; r < B; ++r) g[size_t(r) * width + ys[r]] -= 1;
    } else if (l.kind == Kind::Connected) {
      g = dense_backward(l.d[0], l.a, l.runs[0], g);
    } else {
      const int H = l.out, in = l.d[0].in;
      Vec gin(size_t(B) * in), carry(size_t(S) * H, 0);  // carry: dC/dh_t from steps after t
      for (int t = T - 1; t >= 0; --t) {
        Vec gh = dense_backward(l.d[2], l.a, l.out_runs[t], rows_of(g, t, S, H));
        for (size_t i = 0; i < gh.size(); ++i) gh[i] += carry[i];
        // h_t = a_t + s_t (+ h_{t-1})
        put_rows(gin, dense_backward(l.d[0], l.a, l.in_runs[t], gh), t, S, in);
        Vec gprev = dense_backward(l.d[1], l.a, l.self_runs[t], gh);
        if (l.shortcut)
          for (size_t i = 0; i < gprev.size(); ++i) gprev[i] += gh[i];
        carry = gprev;  // at t = 0 it reaches the constant zero state and is dropped
      }
      g = gin;
    }
  }
}

static void update(Net& n, double rate_scale, int B) {
  const double rate = n.lr * rate_scale / B, decay = -n.decay * B;
  for (Layer& l : n.layers)
    for (Dense& d : l.d) {
      for (int j = 0; j < d.out; ++j) {
        d.ub[j] += -d.gb[j];
        d.b[j] += rate * d.ub[j];
        d.ub[j] *= n.momentum;
        if (d.bn) {
          d.us[j] += -d.gs[j];
          d.scale[j] += rate * d.us[j];
          d.us[j] *= n.momentum;
        }
      }
      for (size_t i = 0; i < d.W.size(); ++i) {
        d.uW[i] += -d.gW[i];
        d.uW[i] += decay * d.W[i];
        d.W[i] += rate * d.uW[i];
        d.uW[i] *= n.momentum;
      }
      std::fill(d.gW.begin(), d.gW.end(), 0);
      std::fill(d.gb.begin(), d.gb.end(), 0);
      std::fill(d.gs.begin(), d.gs.end(), 0);
    }
}

// darknet's rand_size_t: eight rand() low bytes, the first the most significant.
static uint64_t rand_size() {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | uint64_t(std::rand() & 0xff);
  return v;
}

int main(int argc, char** argv) {
  vector<string> pos;
  unsigned seed = 1;
  int batches = 1;
  double lr_scale = 1;
  string momentum_out, offsets_out;
  for (int i = 1; i < argc; ++i) {
    string a = argv[i];
    auto val = [&]() -> string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "-srand") seed = unsigned(std::stoul(val()));
    else if (a == "-batches") batches = std::stoi(val());
    else if (a == "-lr_scale") lr_scale = std::stod(val());
    else if (a == "-momentum") momentum_out = val();
    else if (a == "-offsets") offsets_out = val();
    else pos.push_back(a);
  }
  if (pos.size() != 4) die("usage: rnn_step_reference CFG WEIGHTS DATA OUT [-srand N] [-batches K] [-lr_scale F] [-momentum FILE] [-offsets FILE]");
  Net n = read_cfg(pos[0]);
  std::ifstream df(pos[2], std::ios::binary);
  std::stringstream ss;
  ss << df.rdbuf();
  const string text = ss.str();
  if (text.empty()) die("empty data");
  const size_t size = text.size();
  const int S = n.batch / n.subdivisions, T = n.time_steps, B = S * T;

  // darknet's order: srand, build (one rand() per connected weight), load, offsets.
  std::srand(seed);
  for (const Layer& l : n.layers)
    for (const Dense& d : l.d)
      for (size_t i = 0; i < d.W.size(); ++i) std::rand();
  uint64_t seen = 0;
  read_weights(n, pos[1], seen);
  vector<uint64_t> offsets(S);
  for (auto& o : offsets) o = rand_size() % size;

  for (int k = 1; k <= batches; ++k) {
    vector<int> xs(B), ys(B);
    for (int s = 0; s < S; ++s)
      for (int t = 0; t < T; ++t) {
        xs[t * S + s] = static_cast<unsigned char>(text[offsets[s] % size]);
        ys[t * S + s] = static_cast<unsigned char>(text[(offsets[s] + 1) % size]);
        offsets[s] = (offsets[s] + 1) % size;
      }
    double cost = forward(n, xs, ys, S, T);
    backward(n, ys, S, T);
    seen += B;
    update(n, lr_scale, B);
    std::printf("%d: %f\n", k, cost / B);
    for (auto& o : offsets)
      if (std::rand() % 64 == 0) o = rand_size() % size;
  }
  write_weights(n, pos[3], seen);
  if (!momentum_out.empty()) {
    FILE* f = std::fopen(momentum_out.c_str(), "wb");
    if (!f) die("cannot write " + momentum_out);
    for (const Layer& l : n.layers)
      for (const Dense& d : l.d) {
        write_floats(f, d.ub);
        write_floats(f, d.uW);
        if (d.bn) write_floats(f, d.us);
      }
    std::fclose(f);
  }
  if (!offsets_out.empty()) {
    FILE* f = std::fopen(offsets_out.c_str(), "w");
    if (!f) die("cannot write " + offsets_out);
    for (auto o : offsets) std::fprintf(f, "%llu\n", static_cast<unsigned long long>(o));
    std::fclose(f);
  }
  return 0;
}
