// Experts of mixture-of-experts layers kept resident under a byte budget. Experts are read where
// the file mapping holds them; each mul_mat_id says which it reads, the least recently used ones
// beyond the budget are given back to the kernel (madvise DONTNEED: the process's resident set
// shrinks, the page cache keeps them for a cheap return), and the experts the router just chose are
// asked for ahead of the matmuls (WILLNEED: read-ahead starts while earlier experts compute).
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "program.h"

namespace ix {

struct ExpertStats {
  uint64_t hits = 0, misses = 0;
  uint64_t bytes_read = 0;  // bytes of the experts that missed (read from the page cache or the disk)
};

class ExpertCache {
 public:
  // 0: no budget (nothing is evicted; uses are still counted)
  void set_budget(uint64_t bytes) { budget_ = bytes; }
  uint64_t budget() const { return budget_; }
  uint64_t resident() const { return resident_; }
  // a new mul_mat_id: what it touches is not evicted while it runs
  void begin_op() { ++epoch_; }
  // expert e (a slice of `bytes` at `data`) of the 3-D weight in buffer `buffer` is about to be read
  void touch(uint32_t buffer, const uint8_t* data, size_t bytes);
  // start reading an expert that is about to be used (only where a budget may have evicted it)
  void prefetch(const uint8_t* data, size_t bytes) const;
  // uses per expert tensor (by buffer id: each mapped tensor is a buffer of its own)
  const std::unordered_map<uint32_t, ExpertStats>& stats() const { return stats_; }
  void forget(uint32_t buffer);
  void clear();

 private:
  struct Entry {
    const uint8_t* data;
    size_t bytes;
    uint32_t buffer;
    uint64_t epoch;
  };
  void evict(const Entry& e);
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<const uint8_t*, std::list<Entry>::iterator> where_;
  std::unordered_map<uint32_t, ExpertStats> stats_;
  uint64_t budget_ = 0, resident_ = 0, epoch_ = 0;
};

}  // namespace ix
