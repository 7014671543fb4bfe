#include "thread_pool.h"

#include <chrono>
#include <system_error>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace ix {

namespace {
// how long a worker keeps polling for the next job before it sleeps
constexpr auto kSpin = std::chrono::microseconds(200);
}  // namespace

ThreadPool::ThreadPool(int threads) {
  // a thread the system refuses is one helper fewer, not a failure: the caller runs every task no
  // worker takes
#ifdef __EMSCRIPTEN__
  for (int i = 1; i < threads; ++i) {
    pthread_t t;
    auto entry = [](void* pool) -> void* {
      static_cast<ThreadPool*>(pool)->worker();
      return nullptr;
    };
    if (pthread_create(&t, nullptr, entry, this) != 0) break;
    workers_.push_back(t);
  }
#else
  try {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker(); });
  } catch (const std::system_error&) {
  }
#endif
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
#ifdef __EMSCRIPTEN__
  for (pthread_t t : workers_) pthread_join(t, nullptr);
#else
  for (auto& t : workers_) t.join();
#endif
}

void ThreadPool::drain() {
  for (;;) {
    const int64_t t = next_.fetch_add(1);
    if (t >= tasks_) return;
    try {
      fn_(ctx_, t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      next_.store(tasks_);  // skip what is left
    }
  }
}

void ThreadPool::dispatch(int64_t tasks, TaskFn fn, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_ = tasks;
    fn_ = fn;
    ctx_ = ctx;
    next_.store(0);
    error_ = nullptr;
    open_.store(true);  // publishes the fields above to workers that see it
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  drain();
  // Close the job, then wait for the workers inside it. Sequentially consistent close/load here and
  // join/load in worker() (Dekker): a worker that still saw the job open is counted in active_.
  open_.store(false);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  while (active_.load() != 0 && std::chrono::steady_clock::now() < until) cpu_relax();
  if (active_.load() != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return active_.load() == 0; });
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ThreadPool::worker() {
  uint64_t seen = 0;  // workers start before the first dispatch
  for (;;) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (generation_.load() == seen && std::chrono::steady_clock::now() < until) cpu_relax();
    if (generation_.load() == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load();
    if (stop_) return;
    // join whatever job is open now (a late worker may join the next one, whose fields open_ publishes)
    active_.fetch_add(1);
    if (open_.load()) drain();
    if (active_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> g(mu_);
      done_.notify_all();
    }
  }
}

}  // namespace ix
