#include "expert_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

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

double ExpertCache::clock() const {
  // each token reads every expert tensor once (one mul_mat_id each)
  return (double)epoch_ / (double)std::max<size_t>(1, stats_.size()) / kHalfLifeTokens;
}

void ExpertCache::touch(const TensorRef& w, const uint8_t* data, size_t bytes) {
  ExpertStats& s = stats_[w.buffer];
  const double t = clock();
  bool resident = true;
  chunks_of(w, data, bytes, [&](uint64_t key, uint8_t* start, size_t len, size_t in) {
    auto it = chunks_.find(key);
    if (it != chunks_.end()) {
      Chunk& c = it->second;
      // read twice in one op (two experts in one chunk): counted once
      if (c.epoch == epoch_) return;
      order_.erase({c.rank, key});
      c.rank = std::log2(std::exp2(c.rank - t) + 1.0) + t;
      c.epoch = epoch_;
      order_.insert({c.rank, key});
      return;
    }
    resident = false;
    s.bytes_read += in;
    // under a budget it was probably given back: map its pages in one call (Linux 5.14+; older
    // kernels refuse, and the matmul faults them in as before)
    if (budget_) madvise(start, len, kPopulateRead);
    chunks_.emplace(key, Chunk{start, len, in, w.buffer, epoch_, t});
    order_.insert({t, key});
    resident_ += in;
  });
  ++(resident ? s.hits : s.misses);
  while (budget_ && resident_ > budget_) {
    // the least used chunk this op does not read
    auto victim = std::find_if(order_.begin(), order_.end(), [&](const auto& o) { return chunks_.at(o.second).epoch != epoch_; });
    if (victim == order_.end()) break;
    give_back(victim);
  }
}

void ExpertCache::give_back(std::set<std::pair<double, uint64_t>>::iterator victim) {
  const auto node = chunks_.find(victim->second);
  resident_ -= node->second.bytes;
  // a read-only shared mapping: its pages return from the page cache on the next read
  madvise(node->second.start, node->second.len, MADV_DONTNEED);
  chunks_.erase(node);
  order_.erase(victim);
}

void ExpertCache::prefetch(const TensorRef& w, const uint8_t* data, size_t bytes) const {
  if (!budget_) return;
  chunks_of(w, data, bytes, [&](uint64_t key, uint8_t* start, size_t len, size_t) {
    if (!chunks_.count(key)) madvise(start, len, MADV_WILLNEED);
  });
}

void ExpertCache::forget(uint32_t buffer) {
  for (auto it = order_.begin(); it != order_.end();) {
    const auto node = chunks_.find(it->second);
    if (node->second.buffer != buffer) {
      ++it;
      continue;
    }
    resident_ -= node->second.bytes;
    chunks_.erase(node);
    it = order_.erase(it);
  }
  stats_.erase(buffer);
}

void ExpertCache::clear() {
  order_.clear();
  chunks_.clear();
  stats_.clear();
  resident_ = 0;
}

}  // namespace ix
