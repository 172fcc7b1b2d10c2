// JobPool: a fixed number of threads running queued jobs in order of
// submission, for blocking work the main thread must not wait for (zone
// transfers, NOTIFY exchanges, writing zones to disk). The pool size is the
// bound on how many such jobs run at once.
#pragma once

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tandem::server {

// Lowers the calling thread's CPU priority (Linux: nice is per thread).
// Transfers, NOTIFYs and disk writes run at this priority so that, when the
// CPU is contended, query workers come first: the query rate barely moves
// during a transfer, which just takes longer.
inline void lower_thread_priority(int nice_value = 10) {
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice_value);
}

class JobPool {
 public:
  JobPool(std::string name, int threads) : name_(std::move(name)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        lower_thread_priority();
        work();
      });
      std::string n = name_.substr(0, 12) + std::to_string(i);
      pthread_setname_np(threads_.back().native_handle(), n.substr(0, 15).c_str());
    }
  }
  ~JobPool() { stop(); }
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  void submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }
  // Drops the queued jobs, waits for the running ones to end.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      jobs_.clear();
    }
    wake_.notify_all();
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  // Waits until every queued job ran (jobs may still be submitted meanwhile).
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return jobs_.empty() && running_ == 0; });
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++running_;
      }
      job();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
      }
      done_.notify_all();
    }
  }

  std::string name_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<std::function<void()>> jobs_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tandem::server
