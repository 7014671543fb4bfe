// A persistent pool of worker threads. run(n, fn) calls fn(task) for task in [0, n) on the pool and
// the calling thread, and returns when all are done. Workers spin briefly after a job (the next op
// of a graph usually follows within microseconds), then sleep on a condition variable. The caller
// waits only for workers that joined the job: one still waking up (a sleeping vCPU can take a
// millisecond) finds the job closed and goes back to sleep, instead of the caller waiting for it.
// An exception thrown by a task stops the remaining tasks and is rethrown by run().
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#ifdef __EMSCRIPTEN__
#include <pthread.h>
#endif

namespace ix {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return (int)workers_.size() + 1; }

  template <class Fn> void run(int64_t tasks, Fn&& fn) {
    if (tasks <= 0) return;
    if (tasks == 1 || workers_.empty()) {
      for (int64_t t = 0; t < tasks; ++t) fn(t);
      return;
    }
    // an exception in a task (e.g. bad_alloc) is carried back to the caller, not left to terminate a worker
    dispatch(tasks, [](void* ctx, int64_t t) { (*static_cast<Fn*>(ctx))(t); }, &fn);
  }

 private:
  using TaskFn = void (*)(void*, int64_t);
  void dispatch(int64_t tasks, TaskFn fn, void* ctx);
  void worker();
  void drain();

#ifdef __EMSCRIPTEN__
  // pthread_create, not std::thread: a WebAssembly host with no idle worker refuses with EAGAIN,
  // which is one helper fewer, not an exception
  std::vector<pthread_t> workers_;
#else
  std::vector<std::thread> workers_;
#endif
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_{0};
  // a job is open from its dispatch until the caller has drained it; workers inside it are active
  std::atomic<bool> open_{false};
  std::atomic<int> active_{0};
  std::atomic<bool> stop_{false};
  int64_t tasks_ = 0;
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::exception_ptr error_;  // first exception thrown by a task of the current job
};

}  // namespace ix
