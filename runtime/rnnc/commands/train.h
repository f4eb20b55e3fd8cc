// The train command (darknet's train_char_rnn), and the training run it and
// the gradient check (gradcheck.h) share. The Model's training members
// (net_config, train_begin, train_forward, train_backward) are in
// rnnc/model.h's interface.
#pragma once
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <type_traits>
#include <vector>

#include "../checkpoint.h"
#include "../command_flags.h"
#include "../gemm_bf16.h"
#include "../loss_plot.h"
#include "../model.h"
#include "../text_data.h"
#include "../tokens.h"
#include "../train_watch.h"
#include "../train/noise.h"
#include "../train/update.h"

namespace rnnc {

namespace detail {
inline volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" inline void on_stop_signal(int) { g_stop_requested = 1; }
}  // namespace detail

// darknet's basecfg: the file name up to its first '.'.
inline std::string backup_base(const std::string& cfg) {
  std::string s = cfg.substr(cfg.find_last_of('/') == std::string::npos ? 0 : cfg.find_last_of('/') + 1);
  return s.substr(0, s.find('.'));
}

inline void make_dirs(const std::string& dir) {
  std::string at;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!at.empty() && ::mkdir(at.c_str(), 0777) != 0 && errno != EEXIST)
        fail("cannot create the backup folder '%s': %s", at.c_str(), std::strerror(errno));
    }
    if (i < dir.size()) at += dir[i];
  }
  // An existing file of that name, or a folder we cannot write (a read-only
  // file system): say so now, not at the first backup, 100 batches in.
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail("the backup folder '%s' is not a folder", dir.c_str());
  std::string probe = dir + "/.rnnc-write-test-" + std::to_string(::getpid());
  FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) fail("cannot write in the backup folder '%s': %s", dir.c_str(), std::strerror(errno));
  std::fclose(f);
  std::remove(probe.c_str());
}

// A model that trains on a device (a CUDA build's GPU path: kTrainsOnDevice)
// keeps the host parameters as the master copy for files, updates on the
// device (train_update) and copies back (train_to_host) before the host reads them.
template <class M, class = void>
struct trains_on_device : std::false_type {};
template <class M>
struct trains_on_device<M, std::void_t<decltype(M::kTrainsOnDevice)>> : std::bool_constant<M::kTrainsOnDevice> {};

// Everything a training run holds, for both train and gradcheck.
template <class Model>
struct TrainingRun {
  std::unique_ptr<Model> model = std::make_unique<Model>();
  NetConfig net = Model::net_config();
  GlibcRandom rng;
  // The layers that draw in training ([dropout]) draw from rng, after this
  // batch's data, as darknet's forward calls rand(); a model without one never draws here.
  train::Noise noise{&rng};
  TextData data;                // the training text (character-level), or
  std::vector<Symbol> tokens;   // the token ids (word-level: train -tokenized)
  bool tokenized = false;
  std::vector<uint64_t> offsets;
  std::vector<Symbol> x, y;
  uint64_t seen = 0;
  uint64_t weights_checksum = 0;  // fnv1a64 of the weights file loaded (0: none)
  int adam_t = 0;
  float avg_loss = -1;
  std::vector<LossPoint> curve;  // this run's losses, for the plot
  std::string loss_base;         // backup/<base>: where the plot goes ("" for none)

  // darknet's order: seed, build (random init), load weights, pick stream offsets.
  void start(const std::string& weights, const std::string& file, unsigned seed, bool clear, bool word_level = false) {
    rng.reseed(seed);
    tokenized = word_level;
    if (tokenized) {
      tokens = read_token_ids(file, Model::info().inputs);
      if (tokens.size() < size_t(net.time_steps) + 1)
        fail("%s: %zu token ids is fewer than time_steps+1 = %d: a stream needs at least that many", file.c_str(),
             tokens.size(), net.time_steps + 1);
    } else {
      data = load_text_data(file, Model::info().inputs, net.time_steps);
    }
    init_weights(*model, rng);
    for (DenseParams* p : model->in_file_order()) train::allocate_updates(*p, net.adam);
    if (!weights.empty()) {
      check_weights_file_size(weights, Model::info().parameters, Model::info().name);
      std::vector<unsigned char> bytes = read_whole_file(weights, "weights file");
      seen = load_weights_from_bytes(bytes, weights, model->in_file_order(), Model::info().name).seen;
      weights_checksum = fnv1a64(bytes.data(), bytes.size());
      // current_batch() and the batch counter are signed: a crafted `seen` must not wrap them.
      if (!clear && seen / uint64_t(net.batch) > uint64_t(INT32_MAX))
        fail("%s: seen = %llu images is %llu batches, beyond any run (at most %d); use -clear to start again",
             weights.c_str(), (unsigned long long)seen, (unsigned long long)(seen / uint64_t(net.batch)), INT32_MAX);
    }
    if (clear) seen = 0;
    offsets.resize(net.streams);
    for (auto& o : offsets) o = rng.next_size() % data_size();
    x.resize(size_t(net.batch));
    y.resize(size_t(net.batch));
    model->train_begin(noise);
  }

  // darknet's get_rnn_data: stream i, step j -> row j*streams + i.
  // (get_rnn_token_data for token ids: the same walk over the id sequence.)
  void next_batch() {
    const size_t n = data_size();
    for (int i = 0; i < net.streams; ++i)
      for (int j = 0; j < net.time_steps; ++j) {
        size_t row = size_t(j) * net.streams + i;
        x[row] = symbol(offsets[i] % n);
        y[row] = symbol((offsets[i] + 1) % n);
        offsets[i] = (offsets[i] + 1) % n;
      }
  }

  // The training data's length in symbols, and symbol i.
  size_t data_size() const { return tokenized ? tokens.size() : data.size(); }
  Symbol symbol(size_t i) const { return tokenized ? tokens[i] : Symbol(data[i]); }

  void reset_streams() {
    for (auto& o : offsets)
      if (rng.next() % 64 == 0) o = rng.next_size() % data_size();
  }

  long long current_batch() const { return static_cast<long long>(seen / uint64_t(net.batch * net.subdivisions)); }

  // One subdivision: forward, backward, and the update when a batch is complete.
  // Returns the cost per row; `rate` gets the rate used.
  float train_datum(float& rate) {
    seen += net.batch;
    next_batch();
    double cost = model->train_forward(x.data(), y.data());
    model->train_backward(x.data());
    if ((seen / net.batch) % net.subdivisions == 0) {
      train::UpdateArgs a{0, net.momentum, net.decay, net.batch * net.subdivisions, net.adam, net.B1, net.B2, net.eps, 0};
      a.learning_rate = rate = train::current_rate(net, current_batch(), rng);
      a.t = ++adam_t;
      if constexpr (trains_on_device<Model>::value)
        model->train_update(a);
      else
        for (DenseParams* p : model->in_file_order()) net.adam ? train::adam_update(*p, a) : train::sgd_update(*p, a);
    }
    return static_cast<float>(cost / net.batch);
  }

  TrainCheckpoint checkpoint() const {
    TrainCheckpoint c;
    c.seen = seen;
    c.rng = rng.state();
    c.offsets = offsets;
    c.avg_loss = avg_loss;
    c.adam_t = adam_t;
    return c;
  }

  // Writes weights, the resume sidecar, and the loss curve beside them. The
  // sidecar names the weights' `seen` and checksum: if the run dies between
  // the two renames, the old sidecar no longer matches and a resume says so.
  void save(const std::string& path) {
    to_host();
    TrainCheckpoint c = checkpoint();
    c.weights_checksum = save_weights(path, model->in_file_order(), seen);
    inject_state_write_failure(path);
    save_checkpoint(path + ".state", c, model->in_file_order(), Model::info().parameters);
    // The plot after the pair, to keep the moment between the two renames short.
    if (!loss_base.empty() && !curve.empty()) {
      write_loss_tsv(loss_base + ".loss.tsv", curve);
      write_loss_svg(loss_base + ".loss.svg", Model::info().name, curve);
    }
    std::fprintf(stderr, "Saving weights to %s\n", path.c_str());
  }

  // The parameters, updates and moments on the host, where a device trains them.
  void to_host() {
    if constexpr (trains_on_device<Model>::value) model->train_to_host();
  }

  // Test-only: RNNC_TEST_FAIL_STATE_WRITE=K makes the K-th backup's state write
  // fail after its weights were renamed into place (the crash-consistency test
  // uses it). Unset, as in every real run, it does nothing.
  void inject_state_write_failure(const std::string& path) {
    static const char* when = std::getenv("RNNC_TEST_FAIL_STATE_WRITE");
    static long saves = 0;
    if (when && ++saves == std::atol(when))
      fail("cannot write '%s.state': failure injected by RNNC_TEST_FAIL_STATE_WRITE (the weights were written)",
           path.c_str());
  }
};

inline std::string format_duration(double s) {
  long t = static_cast<long>(s + .5);
  return t >= 3600 ? strprintf("%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60) : strprintf("%ld:%02ld", t / 60, t % 60);
}

// train -precision fp32|bf16: the products' operands (training's own
// setting; generation's -precision is another). Without bf16 arithmetic in
// this build, bf16 runs on the reference kernel, which says so once.
inline void read_train_precision_flag(Flags& f) {
  const std::string p = f.str("-precision", "fp32");
  if (p == "fp32") {
    train_precision() = TrainPrecision::Fp32;
  } else if (p == "bf16") {
    if (sizeof(real) != 4) fail("train: -precision bf16 needs a float build (this one computes in double)");
    train_precision() = TrainPrecision::Bf16;
    if (bf16_products_on_dnnl())
      std::fprintf(stderr, "train: the products on bf16 operands with fp32 sums (oneDNN's bf16 matmul%s)\n",
                   cpu_has_amx_bf16() ? ", AMX" : "");
    else if (kBf16Train)
      std::fprintf(stderr, "train: the products on bf16 operands with fp32 sums (AVX512-BF16)\n");
    else
      std::fprintf(stderr,
                   "train: no bf16 arithmetic in this build (it needs AVX512-BF16); -precision bf16 rounds the "
                   "operands to bf16 and multiplies them in fp32\n");
  } else {
    fail("train: -precision is fp32 or bf16, got '%s'", p.c_str());
  }
}

template <class Model>
int cmd_train(Flags& f) {
  const ModelInfo& info = Model::info();
  std::string file = f.str("-file", "data/shakespeare.txt");
  std::string backup = f.str("-backup", "backup");
  long long rseed = read_srand_flag(f, static_cast<long long>(std::time(nullptr)));
  long long max_batches = f.integer("-max_batches", -1, 0, INT32_MAX);
  long long backup_every = f.integer("-backup_every", 100, 1, INT32_MAX);
  bool clear = f.has("-clear");
  bool tokenized = f.has("-tokenized");
  read_train_precision_flag(f);
  // Watching the run (rnnc/train_watch.h): samples and held-out BPC.
  WatchOptions watch_opt;
  watch_opt.sample_every = f.integer("-sample_every", 0, 1, INT32_MAX);
  const bool sample_flags = f.given("-sample_len") || f.given("-sample_seed") || f.given("-sample_temp");
  watch_opt.sample_len = f.integer("-sample_len", 200, 1, 10000000);
  watch_opt.sample_seed = static_cast<unsigned>(f.integer("-sample_seed", 0, -2147483648LL, 4294967295LL));
  watch_opt.sample_temp = read_temp_flag(f, "-sample_temp");
  if (sample_flags && watch_opt.sample_every == 0)
    fail("train: -sample_len, -sample_seed and -sample_temp go with -sample_every N");
  const bool valid_given = f.given("-valid");
  watch_opt.valid_file = f.str("-valid", "");
  if (valid_given && watch_opt.valid_file.empty()) fail("train: -valid needs a file name, got ''");
  if (f.given("-valid_every") && !valid_given) fail("train: -valid_every goes with -valid FILE");
  watch_opt.valid_every = f.integer("-valid_every", backup_every, 1, INT32_MAX);
  if (tokenized && (watch_opt.sample_every || valid_given))
    fail("train: -sample_every and -valid read and write bytes; with -tokenized (token ids) use generate -tokens "
         "and valid on the backups");
  std::string weights = f.positional();
  f.finish("train");

  TrainingRun<Model> run;
  if (max_batches >= 0) run.net.max_batches = static_cast<int>(max_batches);
  if (run.net.streams < 2)
    for (DenseParams* p : run.model->in_file_order())
      if (p->batch_norm)
        fail("train: batch norm needs at least 2 streams per batch, but %s has batch/time_steps = %d", info.cfg,
             run.net.streams);
  run.start(weights, file, static_cast<unsigned>(rseed), clear, tokenized);
  bool resumed = false;
  if (!weights.empty() && !clear) {
    TrainCheckpoint c;
    const std::string state = weights + ".state";
    bool older = false;
    if (load_checkpoint(state, c, run.model->in_file_order(), info.parameters, run.net.streams, run.data_size(), &older)) {
      if (c.seen != run.seen || c.weights_checksum != run.weights_checksum) {
        // The momentum buffers were filled; a darknet-style resume starts them at zero.
        for (DenseParams* p : run.model->in_file_order())
          for (auto* v : checkpoint_buffers(*p)) std::fill(v->begin(), v->end(), real(0));
        std::fprintf(stderr,
                     "warning: %s was written with other weights (seen %llu, these have %llu%s); ignoring it\n",
                     state.c_str(), (unsigned long long)c.seen, (unsigned long long)run.seen,
                     c.seen == run.seen ? ", and a different checksum" : "");
      } else {
        if (!run.rng.set_state(c.rng)) fail("%s: the generator state is damaged", state.c_str());
        run.offsets = c.offsets;
        run.avg_loss = c.avg_loss;
        run.adam_t = c.adam_t;
        resumed = true;
      }
    } else if (older) {
      std::fprintf(stderr, "warning: %s is from an older rnnc and cannot be matched to the weights; ignoring it\n",
                   state.c_str());
    }
  }
  make_dirs(backup);
  const std::string base = backup + "/" + backup_base(info.cfg);
  run.loss_base = base;
  TrainingWatch<Model> watch;
  watch.open(watch_opt, base, !weights.empty() && !clear);

  print_model_line<Model>(info);
  std::fprintf(stderr, "Learning Rate: %g, Momentum: %g, Decay: %g, Inputs: %d %d %d\n", run.net.learning_rate,
               run.net.momentum, run.net.decay, info.inputs, run.net.batch, run.net.time_steps);
  if (!weights.empty())
    std::fprintf(stderr, "resuming from %s at batch %lld%s\n", weights.c_str(), run.current_batch(),
                 resumed ? " (with its momentum, generator and stream state)" : " (darknet weights only: fresh momentum and streams)");

  std::signal(SIGINT, detail::on_stop_signal);
  std::signal(SIGTERM, detail::on_stop_signal);
  const bool tty = isatty(2);
  long long i = static_cast<long long>(run.seen / uint64_t(run.net.batch));
  const long long start_batch = run.current_batch();
  auto t0 = std::chrono::steady_clock::now();
  auto last_progress = t0;
  while (run.current_batch() < run.net.max_batches) {
    i += 1;
    auto tb = std::chrono::steady_clock::now();
    float rate = 0;
    float loss = run.train_datum(rate);
    if (!std::isfinite(loss)) fail("train: the loss became %g at batch %lld; try a lower learning_rate", loss, i);
    if (run.avg_loss < 0) run.avg_loss = loss;
    run.avg_loss = run.avg_loss * .9f + loss * .1f;
    auto te = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(te - tb).count();
    uint64_t chars = uint64_t(run.current_batch()) * run.net.batch;
    std::fprintf(stderr, "%lld: %f, %f avg, %f rate, %lf seconds, %f epochs\n", i, loss, run.avg_loss, rate, secs,
                 double(chars) / run.data_size());
    run.curve.push_back({i, loss, run.avg_loss});
    run.reset_streams();
    // From a copy of the weights: the training state is not touched.
    if (watch.samples_at(i) || watch.valid_at(i)) run.to_host();
    if (watch.samples_at(i)) watch.sample(*run.model, i);
    if (watch.valid_at(i)) {
      float bpc = run.curve.back().valid_bpc = watch.valid_bpc(*run.model);
      std::fprintf(stderr, "%lld: held-out %f bits per character (%s, %zu characters)\n", i, bpc,
                   watch_opt.valid_file.c_str(), watch.valid_size());
    }
    if (i % 10000 == 0) run.save(strprintf("%s_%lld.weights", base.c_str(), i));
    if (i % backup_every == 0) run.save(base + ".backup");
    double elapsed = std::chrono::duration<double>(te - t0).count();
    if (tty && std::chrono::duration<double>(te - last_progress).count() > 2) {
      last_progress = te;
      long long done = run.current_batch() - start_batch, left = run.net.max_batches - run.current_batch();
      double cps = done * double(run.net.batch * run.net.subdivisions) / elapsed;
      std::fprintf(stderr, "progress: batch %lld/%d, avg loss %.4f, %.0f chars/s, ETA %s\n", run.current_batch(),
                   run.net.max_batches, run.avg_loss, cps, format_duration(left * elapsed / std::max(1LL, done)).c_str());
    }
    if (detail::g_stop_requested) {
      run.save(base + ".backup");
      std::fprintf(stderr, "stopped at batch %lld; resume with: train %s.backup%s -file %s\n", run.current_batch(),
                   base.c_str(), tokenized ? " -tokenized" : "", file.c_str());
      return 0;
    }
  }
  run.save(base + "_final.weights");
  return 0;
}

// Finite differences against the analytic gradient on one batch. Build the
// program with -DRNNC_REAL=double for a meaningful check. -h takes one step
// or several (-h 1e-5,1e-6): with several, a parameter's error is the
// smallest over the steps, for piecewise-linear activations, where a step
// that carries a pre-activation across a kink measures the kink instead of
// the gradient (every step converges to a correct gradient; none to a wrong one).
// The error is |fd - an| / max(|fd|, |an|), taken as 0 below 1e-7; with
// -floor A it is |fd - an| / max(|fd|, |an|, A) instead, so that gradients
// near the finite differences' rounding noise are held to an absolute error.
}  // namespace rnnc
