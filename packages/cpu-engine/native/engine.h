// One CPU engine instance: a kernel table, a thread pool, the buffers and what a compute call keeps
// between calls (scratch, repacked weights, resident experts). The hosts are thin wrappers around
// it: the Node-API addon (@ix/backend-cpu-avx) and the WebAssembly module (@ix/backend-wasm).
// Every method throws std::exception subclasses with a message meant for the user.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "buffers.h"
#include "expert_cache.h"
#include "kernels.h"
#include "op_profile.h"
#include "repack.h"
#include "thread_pool.h"

namespace ix {

struct ExpertTensorStats {
  uint32_t buffer;
  uint64_t hits, misses, bytes_read;
};

class Engine {
 public:
  // isa: one of cpu_info().isas; threads in 1..1024; fast: 8-bit activations; repack: weights
  // repacked for the integer and FMA kernels where the table has them (off: file layout)
  Engine(const std::string& isa, int threads, bool fast, bool repack);
  ~Engine();

  uint32_t allocate(size_t bytes);
  void free(uint32_t id);
  void upload(uint32_t id, uint64_t offset, const uint8_t* data, size_t length);
  // pointer to [offset, offset + length) of a buffer, bounds-checked, for the host to copy out
  const uint8_t* read(uint32_t id, uint64_t offset, uint64_t length) const;
  // the same for the host to copy in (a WebAssembly host writes straight into its memory)
  uint8_t* writable(uint32_t id, uint64_t offset, uint64_t length);
  uint32_t map_file(const std::string& path, uint64_t offset, uint64_t length);
  void advise(uint32_t id, uint64_t offset, uint64_t length, Advice advice);
  // give back what the engine holds for a weight beyond its buffer: its repacked copy, and for a
  // file mapping its resident pages (both come back on next use)
  void release(uint32_t id);
  // runs every node of a serialized split (program.h), in order, in this one call
  void compute(const double* program, size_t length);
  // threads computing, the caller included (fewer than asked where the system refused some)
  int threads() const { return pool_ ? pool_->size() : 0; }
  void set_expert_budget(uint64_t bytes);
  uint64_t expert_resident() const;
  uint64_t expert_budget() const;
  std::vector<ExpertTensorStats> expert_stats() const;
  // frees everything now (later calls throw); the destructor does the same
  void dispose();

 private:
  void alive() const;

  const KernelTable* kernels_ = nullptr;
  bool fast_ = false;
  bool repack_on_ = true;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<BufferTable> buffers_;
  std::vector<uint8_t> scratch_;
  std::vector<uint8_t> acts_;  // QuantizedActs' bytes, reused from call to call
  std::vector<float> routed_;  // mul_mat_id's rows grouped by expert
  OpProfile profile_;
  RepackCache repack_;
  ExpertCache experts_;
};

}  // namespace ix
