// Worker threads for blocking sandboxes (kvm: milliseconds per call). Event loops never wait
// on them: they submit a job that runs the sandbox and posts the result back to the loop that
// owns the connection. The queue is bounded by the callers (each runtime and handler admits at
// most its queue_limit calls, see EntryMetrics::queued), so it can never grow without limit.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace forkbox::server {

class BlockingPool {
 public:
  explicit BlockingPool(unsigned threads);
  ~BlockingPool();  // finishes queued jobs, then joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void submit(std::function<void()> job);

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace forkbox::server
