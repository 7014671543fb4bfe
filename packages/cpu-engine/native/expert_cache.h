// Experts of mixture-of-experts layers kept resident under a byte budget. With a budget, experts are
// read where the file mapping holds them; each mul_mat_id says which it reads, and what lies beyond
// the budget is given back (madvise DONTNEED: the process's resident set shrinks, the page cache
// keeps the bytes for a cheap return), least used first by LRFU: each read adds 1 to a chunk's
// score, which halves every kHalfLifeTokens tokens (a token: one read of each expert tensor).
// Chosen by measurement on a trained MoE's routing (tools/moe-policy, docs/performance.md: LRU
// gave 15% more misses at half the experts; frequency with a long half-life matched LFU and still
// forgets). The unit is a 2 MiB-aligned chunk of the file, not an expert: the page cache holds
// files in folios of up to 2 MiB and a fault maps a whole folio, so giving back less than a folio
// does not stay given back (measured: Linux 6.18, ext4, expert slices of 0.84 MiB). The experts
// the router chose are asked for ahead (WILLNEED), for every mul_mat_id it routes. Without a budget
// nothing is given back; uses are still counted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>

#include "program.h"

namespace ix {

struct ExpertStats {
  uint64_t hits = 0, misses = 0;  // chosen experts found resident, or not
  uint64_t bytes_read = 0;        // bytes brought in for the misses (from the page cache or the disk)
};

class ExpertCache {
 public:
  static constexpr uint64_t kChunk = uint64_t(2) << 20;
  static constexpr double kHalfLifeTokens = 256.0;

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
    uint8_t* start;  // its pages inside the tensor's mapping
    size_t len;
    size_t bytes;  // of the tensor inside it (what the budget counts)
    uint32_t buffer;
    uint64_t epoch;  // the op that last read it
    // log2(score) + t / half-life at its last read: all scores decay alike, so this orders chunks
    // by their current scores at any later time
    double rank;
  };
  template <class Fn> void chunks_of(const TensorRef& w, const uint8_t* data, size_t bytes, Fn&& fn) const;
  // tokens so far, in half-lives
  double clock() const;
  void give_back(std::set<std::pair<double, uint64_t>>::iterator victim);
  std::unordered_map<uint64_t, Chunk> chunks_;     // by (buffer id << 32) | chunk index in the file
  std::set<std::pair<double, uint64_t>> order_;  // (rank, key): least used first
  std::unordered_map<uint32_t, ExpertStats> stats_;
  uint64_t budget_ = 0, resident_ = 0, epoch_ = 0;
};

}  // namespace ix
