#include "expert_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace ix {

namespace {
#ifdef MADV_POPULATE_READ
constexpr int kPopulateRead = MADV_POPULATE_READ;
#else
constexpr int kPopulateRead = 22;  // Linux's value, for older headers
#endif
}  // namespace

// fn(key, start, len, bytes) for each 2 MiB file chunk that [data, data + bytes) of w overlaps: the
// chunk's pages within w's own mapping (rounded out to whole pages, which stay inside it) and how
// many of w's bytes it holds
template <class Fn> void ExpertCache::chunks_of(const TensorRef& w, const uint8_t* data, size_t bytes, Fn&& fn) const {
  if (bytes == 0) return;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uint64_t f0 = w.file_offset + (uint64_t)(data - w.data), f1 = f0 + bytes;
  for (uint64_t c = f0 / kChunk; c * kChunk < f1; ++c) {
    const uint64_t lo = std::max(c * kChunk, w.file_offset), hi = std::min((c + 1) * kChunk, w.file_offset + (uint64_t)w.bytes);
    const uintptr_t a = (uintptr_t)(w.data + (lo - w.file_offset)) & ~(page - 1);
    const uintptr_t b = ((uintptr_t)(w.data + (hi - w.file_offset)) + page - 1) & ~(page - 1);
    fn(((uint64_t)w.buffer << 32) | c, (uint8_t*)a, (size_t)(b - a), (size_t)(hi - lo));
  }
}

void ExpertCache::touch(const TensorRef& w, const uint8_t* data, size_t bytes) {
  ExpertStats& s = stats_[w.buffer];
  bool resident = true;
  chunks_of(w, data, bytes, [&](uint64_t key, uint8_t* start, size_t len, size_t in) {
    auto it = where_.find(key);
    if (it != where_.end()) {
      it->second->epoch = epoch_;
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    resident = false;
    s.bytes_read += in;
    // under a budget it was probably given back: map its pages in one call (Linux 5.14+; older
    // kernels refuse, and the matmul faults them in as before)
    if (budget_) madvise(start, len, kPopulateRead);
    lru_.push_front({key, start, len, in, w.buffer, epoch_});
    where_[key] = lru_.begin();
    resident_ += in;
  });
  ++(resident ? s.hits : s.misses);
  while (budget_ && resident_ > budget_ && lru_.back().epoch != epoch_) {
    const Chunk& c = lru_.back();
    resident_ -= c.bytes;
    // a read-only shared mapping: its pages return from the page cache on the next read
    madvise(c.start, c.len, MADV_DONTNEED);
    where_.erase(c.key);
    lru_.pop_back();
  }
}

void ExpertCache::prefetch(const TensorRef& w, const uint8_t* data, size_t bytes) const {
  if (!budget_) return;
  chunks_of(w, data, bytes, [&](uint64_t key, uint8_t* start, size_t len, size_t) {
    if (!where_.count(key)) madvise(start, len, MADV_WILLNEED);
  });
}

void ExpertCache::forget(uint32_t buffer) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->buffer != buffer) {
      ++it;
      continue;
    }
    resident_ -= it->bytes;
    where_.erase(it->key);
    it = lru_.erase(it);
  }
  stats_.erase(buffer);
}

void ExpertCache::clear() {
  lru_.clear();
  where_.clear();
  stats_.clear();
  resident_ = 0;
}

}  // namespace ix
