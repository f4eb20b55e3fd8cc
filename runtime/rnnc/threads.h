// A tiny fixed thread pool: parallel_for splits [0, n) into one contiguous
// chunk per thread, the same chunks every time, so results never depend on
// scheduling. Workers spin briefly before sleeping, because a generated
// program calls it thousands of times a second with ~100 us of work each.
// RNNC_THREADS sets the count (default: the cores, at most 8).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rnnc {

// The number of threads: the cores, at most 8, or RNNC_THREADS.
inline int pool_threads() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* e = std::getenv("RNNC_THREADS")) n = std::atoi(e);
  return std::max(1, std::min(n, 8));
}

// Whether this thread is running one of the pool's jobs: a job that itself
// asks for the threads (nested) runs inline, since the pool holds one job at
// a time.
inline bool& inside_pool_job() {
  static thread_local bool inside = false;
  return inside;
}

#if defined(_OPENMP)
// A program built with OpenMP (rnnc --dnnl: oneDNN runs its products on
// OpenMP's threads) runs the chunks on OpenMP's team too: one set of threads
// for oneDNN's products and rnnc's passes, not two sets taking turns on the
// same cores, each spinning while the other works. Chunks are claimed in
// any order; results never depend on which thread runs one.
class ThreadPool {
 public:
  static ThreadPool& get() {
    static ThreadPool pool;
    return pool;
  }
  int size() const { return threads_; }

  void run(int chunks, const std::function<void(int)>& f) {
    if (chunks <= 1 || threads_ <= 1 || inside_pool_job()) {
      for (int c = 0; c < chunks; ++c) f(c);
      return;
    }
    std::atomic<int> next{0};
#pragma omp parallel num_threads(std::min(threads_, chunks))
    {
      inside_pool_job() = true;
      for (int c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) f(c);
      inside_pool_job() = false;
    }
  }

 private:
  ThreadPool() : threads_(pool_threads()) {}
  int threads_;
};
#else
class ThreadPool {
 public:
  static ThreadPool& get() {
    static ThreadPool pool;
    return pool;
  }
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs f(chunk) for every chunk in [0, chunks); the caller works too.
  void run(int chunks, const std::function<void(int)>& f) {
    if (chunks <= 1 || workers_.empty() || inside_pool_job()) {
      for (int c = 0; c < chunks; ++c) f(c);
      return;
    }
    // Everything a worker needs is written before the claim word that names
    // this job's generation is published; a chunk is claimed by a CAS on
    // that word, so a worker still holding an older generation can never
    // take (or count down) a chunk of this one.
    const unsigned gen = ++last_generation_;
    job_.store(&f, std::memory_order_relaxed);
    chunks_.store(chunks, std::memory_order_relaxed);
    pending_.store(chunks, std::memory_order_relaxed);
    claim_.store(pack(gen, 0), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(mu_);
      generation_.store(gen, std::memory_order_release);
    }
    cv_.notify_all();
    work(gen);
    while (pending_.load(std::memory_order_acquire) != 0) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    }
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  ThreadPool() {
    for (int i = 1, n = pool_threads(); i < n; ++i) workers_.emplace_back([this] { loop(); });
  }

  static unsigned long long pack(unsigned gen, unsigned next) {
    return (static_cast<unsigned long long>(gen) << 32) | next;
  }

  // Claims and runs chunks of generation `gen` until none is left.
  void work(unsigned gen) {
    unsigned long long s = claim_.load(std::memory_order_acquire);
    while (static_cast<unsigned>(s >> 32) == gen) {
      const int c = static_cast<int>(s & 0xffffffffu);
      if (c >= chunks_.load(std::memory_order_relaxed)) return;
      if (claim_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        inside_pool_job() = true;
        (*job_.load(std::memory_order_relaxed))(c);
        inside_pool_job() = false;
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        s = claim_.load(std::memory_order_acquire);
      }
    }
  }

  void loop() {
    // Generation 0 is the one the pool was built in. Reading the counter here
    // instead would lose a wake-up: a short program can post jobs, or reach
    // the destructor, before this thread first runs.
    unsigned seen = 0;
    while (true) {
      // Spin a while for the next job, then sleep.
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen && spins < 20000) {
        ++spins;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_.load() != seen; });
        seen = generation_.load(std::memory_order_acquire);
        if (stop_) return;
      }
      work(seen);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  std::atomic<int> chunks_{0}, pending_{0};
  std::atomic<unsigned long long> claim_{0};
  std::atomic<unsigned> generation_{0};
  unsigned last_generation_ = 0;  // the caller's own count
  bool stop_ = false;
};
#endif  // _OPENMP

// f(begin, end) over a fixed split of [0, n) into one chunk per thread;
// small n runs inline.
template <class F>
inline void parallel_for(int n, F&& f, int min_per_thread = 8) {
  ThreadPool& pool = ThreadPool::get();
  int chunks = std::min(pool.size(), std::max(1, n / min_per_thread));
  if (chunks <= 1) {
    f(0, n);
    return;
  }
  std::function<void(int)> job = [&](int c) {
    int b = static_cast<int>(static_cast<long long>(n) * c / chunks);
    int e = static_cast<int>(static_cast<long long>(n) * (c + 1) / chunks);
    f(b, e);
  };
  pool.run(chunks, job);
}

// f(begin, end) over [0, n) cut into blocks of `block` (the last one
// shorter), each claimed by whichever thread is free, so that a core slowed
// by a neighbour simply takes fewer blocks. Only for work whose every index
// comes out the same whichever block it falls in (independent rows).
template <class F>
inline void parallel_blocks(int n, int block, F&& f) {
  ThreadPool& pool = ThreadPool::get();
  const int blocks = (n + block - 1) / block;
  if (pool.size() <= 1 || blocks <= 1) {
    f(0, n);
    return;
  }
  std::function<void(int)> job = [&](int c) { f(c * block, std::min(n, (c + 1) * block)); };
  pool.run(blocks, job);
}

// The same over elements, whose count may pass int's range (a batch's
// activations, a layer's weights): f(i0, i1) over [0, n) in blocks of
// `block`, all inline below `serial_below` elements, where sharing them out
// costs more than it saves.
template <class F>
inline void parallel_elements(size_t n, size_t block, size_t serial_below, F&& f) {
  if (n < serial_below) {
    f(size_t(0), n);
    return;
  }
  parallel_blocks(static_cast<int>((n + block - 1) / block), 1,
                  [&](int b0, int b1) { f(size_t(b0) * block, std::min(n, size_t(b1) * block)); });
}

}  // namespace rnnc
