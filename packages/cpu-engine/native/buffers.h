// Native buffers: 64-byte aligned allocations and read-only file mappings, addressed by id.
// Every access goes through checked() so that an offset/length from JS can never leave a buffer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace ix {

struct Buffer {
  uint8_t* data = nullptr;
  size_t size = 0;
  bool readonly = false;
  uint64_t file_offset = 0;  // file mappings: where data lies in the file
  void* map_base = nullptr;  // whole mapping (page aligned), for munmap/madvise
  size_t map_len = 0;
};

enum class Advice { WillNeed, DontNeed };

class BufferTable {
 public:
  ~BufferTable();
  uint32_t allocate(size_t bytes);
  uint32_t map_file(const std::string& path, uint64_t offset, uint64_t length);
  void free(uint32_t id);
  void free_all();
  const Buffer& get(uint32_t id) const;
  // pointer to [offset, offset + length) of buffer id, after checking it lies inside
  uint8_t* checked(uint32_t id, uint64_t offset, uint64_t length, bool write) const;
  void advise(uint32_t id, uint64_t offset, uint64_t length, Advice advice) const;

 private:
  static void release(Buffer& b);
  std::unordered_map<uint32_t, Buffer> buffers_;
  uint32_t next_id_ = 1;
};

}  // namespace ix
