// A tiny fixed thread pool: parallel_for splits [0, n) into one contiguous
// chunk per thread, the same chunks every time, so results never depend on
// scheduling. RNNC_THREADS sets the count (default: the cores, at most 8).
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rnnc {

class ThreadPool {
 public:
  static ThreadPool& get() {
    static ThreadPool pool;
    return pool;
  }
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs f(chunk) for chunk in [0, chunks) on the pool; the caller takes chunk 0.
  void run(int chunks, const std::function<void(int)>& f) {
    if (chunks <= 1 || workers_.empty()) {
      for (int c = 0; c < chunks; ++c) f(c);
      return;
    }
    {
      std::unique_lock<std::mutex> lk(mu_);
      job_ = &f;
      chunks_ = chunks;
      next_ = 1;
      pending_ = chunks - 1;
      ++generation_;
    }
    cv_.notify_all();
    f(0);
    std::unique_lock<std::mutex> lk(mu_);
    while (true) {
      if (next_ < chunks_) {
        int c = next_++;
        lk.unlock();
        f(c);
        lk.lock();
        --pending_;
        continue;
      }
      done_.wait(lk, [&] { return pending_ == 0; });
      break;
    }
    job_ = nullptr;
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  ThreadPool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* e = std::getenv("RNNC_THREADS")) n = std::atoi(e);
    n = std::max(1, std::min(n, 8));
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { loop(); });
  }

  void loop() {
    unsigned seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    while (true) {
      cv_.wait(lk, [&] { return stop_ || (generation_ != seen && next_ < chunks_); });
      if (stop_) return;
      seen = generation_;
      while (next_ < chunks_) {
        int c = next_++;
        const std::function<void(int)>* f = job_;
        lk.unlock();
        (*f)(c);
        lk.lock();
        if (--pending_ == 0) done_.notify_all();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int chunks_ = 0, next_ = 0, pending_ = 0;
  unsigned generation_ = 0;
  bool stop_ = false;
};

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

}  // namespace rnnc
