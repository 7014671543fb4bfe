// read_bandwidth.h. The loads are the ISA's widest (on one Zen 4 core 64-byte loads read ~15% more
// than 16-byte ones: a decode kernel's loads are that wide, so its ceiling should be too).
#include "read_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "thread_pool.h"

namespace ix {

namespace {

constexpr size_t kChunk = 16 << 20;  // bytes per task: threads take chunks in turn, none idles long

// XOR of every 8 bytes of [p, p + n), n a multiple of 256, in vectors of W bytes: four independent
// chains, so loads are not serialized behind one another. Inlined into each ISA's function, which
// picks its loads.
template <int W> struct VecOf;
template <> struct VecOf<16> { using T = uint64_t __attribute__((vector_size(16))); };
template <> struct VecOf<32> { using T = uint64_t __attribute__((vector_size(32))); };
template <> struct VecOf<64> { using T = uint64_t __attribute__((vector_size(64))); };

template <int W>
__attribute__((always_inline)) inline uint64_t xor_all(const uint8_t* p, size_t n) {
  using Vec = typename VecOf<W>::T;
  Vec a = {0}, b = {0}, c = {0}, d = {0};
  for (size_t i = 0; i < n; i += 4 * W) {
    Vec x0, x1, x2, x3;
    std::memcpy(&x0, p + i, W);
    std::memcpy(&x1, p + i + W, W);
    std::memcpy(&x2, p + i + 2 * W, W);
    std::memcpy(&x3, p + i + 3 * W, W);
    a ^= x0;
    b ^= x1;
    c ^= x2;
    d ^= x3;
  }
  const Vec s = a ^ b ^ c ^ d;
  uint64_t r = 0;
  for (int i = 0; i < W / 8; ++i) r ^= s[i];
  return r;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) uint64_t xor_avx512(const uint8_t* p, size_t n) { return xor_all<64>(p, n); }
__attribute__((target("avx2"))) uint64_t xor_avx2(const uint8_t* p, size_t n) { return xor_all<32>(p, n); }
#endif
uint64_t xor_base(const uint8_t* p, size_t n) { return xor_all<16>(p, n); }

using XorFn = uint64_t (*)(const uint8_t*, size_t);
XorFn widest() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return xor_avx512;
  if (__builtin_cpu_supports("avx2")) return xor_avx2;
#endif
  return xor_base;
}

}  // namespace

double read_bandwidth(size_t bytes, int threads, int runs) {
  if (threads < 1 || threads > 1024) throw std::invalid_argument("threads must be in 1..1024, got " + std::to_string(threads));
  if (runs < 1 || runs > 1000) throw std::invalid_argument("runs must be in 1..1000, got " + std::to_string(runs));
  bytes = bytes / kChunk * kChunk;
  if (bytes == 0 || (uint64_t)bytes > (uint64_t(1) << 40)) throw std::invalid_argument("bytes must be at least 16 MiB and at most 1 TiB");
  constexpr size_t kAlign = 2 << 20;  // on huge pages where the system gives them, as the repacked weights are
  void* mem = nullptr;
  if (posix_memalign(&mem, kAlign, bytes) != 0) throw std::runtime_error("read_bandwidth: cannot allocate " + std::to_string(bytes >> 20) + " MiB");
  uint8_t* buf = (uint8_t*)mem;
#ifdef __linux__
  madvise(buf, bytes, MADV_HUGEPAGE);
#endif
  std::memset(buf, 1, bytes);  // every page mapped before the first pass
  const XorFn read = widest();
  const int64_t chunks = (int64_t)(bytes / kChunk);
  std::atomic<uint64_t> sink{0};  // each chunk's XOR lands here, so no load can be optimized away
  double best = 0;
  try {
    ThreadPool pool(threads);
    for (int r = 0; r < runs; ++r) {
      // an empty job first, so the workers are awake and spinning when the clock starts (a sleeping
      // vCPU can take a millisecond to wake, ~5% of a pass)
      pool.run(threads, [](int64_t) {});
      const auto t0 = std::chrono::steady_clock::now();
      pool.run(chunks, [&](int64_t c) { sink.fetch_xor(read(buf + (size_t)c * kChunk, kChunk), std::memory_order_relaxed); });
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, (double)bytes / s);
    }
  } catch (...) {
    std::free(buf);
    throw;
  }
  std::free(buf);
  return best;
}

}  // namespace ix
