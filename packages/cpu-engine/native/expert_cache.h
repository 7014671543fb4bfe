// Experts of mixture-of-experts layers kept resident under a byte budget. With a budget, experts are
// read where the file mapping holds them; each mul_mat_id says which it reads, and what lies beyond
// the budget, least recently used first, is given back (madvise DONTNEED: the process's resident set
// shrinks, the page cache keeps the bytes for a cheap return). The unit is a 2 MiB-aligned chunk of
// the file, not an expert: the page cache holds files in folios of up to 2 MiB and a fault maps a
// whole folio, so giving back less than a folio does not stay given back (measured: Linux 6.18,
// ext4, expert slices of 0.84 MiB). The experts the router chose are asked for ahead (WILLNEED),
// for every mul_mat_id it routes. Without a budget nothing is given back; uses are still counted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "program.h"

namespace ix {

struct ExpertStats {
  uint64_t hits = 0, misses = 0;  // chosen experts found resident, or not
  uint64_t bytes_read = 0;        // bytes brought in for the misses (from the page cache or the disk)
};

class ExpertCache {
 public:
  static constexpr uint64_t kChunk = uint64_t(2) << 20;

  void set_budget(uint64_t bytes) { budget_ = bytes; }
  uint64_t budget() const { return budget_; }
  uint64_t resident() const { return resident_; }
  // a new mul_mat_id: what it touches is not given back while it runs
  void begin_op() { ++epoch_; }
  // expert [data, data + bytes) of the file-mapped tensor w is about to be read
  void touch(const TensorRef& w, const uint8_t* data, size_t bytes);
  // start reading an expert that is not resident (only under a budget: else it stays once read)
  void prefetch(const TensorRef& w, const uint8_t* data, size_t bytes) const;
  // uses per expert tensor (by buffer id: each mapped tensor is a buffer of its own)
  const std::unordered_map<uint32_t, ExpertStats>& stats() const { return stats_; }
  void forget(uint32_t buffer);
  void clear();

 private:
  struct Chunk {
    uint64_t key;    // buffer id, chunk index in the file
    uint8_t* start;  // its pages inside the tensor's mapping
    size_t len;
    size_t bytes;  // of the tensor inside it (what the budget counts)
    uint32_t buffer;
    uint64_t epoch;
  };
  template <class Fn> void chunks_of(const TensorRef& w, const uint8_t* data, size_t bytes, Fn&& fn) const;
  std::list<Chunk> lru_;  // most recent first
  std::unordered_map<uint64_t, std::list<Chunk>::iterator> where_;
  std::unordered_map<uint32_t, ExpertStats> stats_;
  uint64_t budget_ = 0, resident_ = 0, epoch_ = 0;
};

}  // namespace ix
