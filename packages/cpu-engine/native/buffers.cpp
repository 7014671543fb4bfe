#include "buffers.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ix {

namespace {
// above this, anonymous mappings: zeroed lazily by the kernel, page (so 64-byte) aligned
constexpr size_t kMapThreshold = 1 << 20;

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }
}  // namespace

BufferTable::~BufferTable() { free_all(); }

uint32_t BufferTable::allocate(size_t bytes) {
  Buffer b;
  b.size = bytes;
  const size_t len = bytes ? bytes : 1;
  if (len >= kMapThreshold) {
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error(sys_error("allocate(" + std::to_string(bytes) + " bytes)"));
    b.data = static_cast<uint8_t*>(p);
    b.map_base = p;
    b.map_len = len;
  } else {
    void* p = nullptr;
    if (posix_memalign(&p, 64, (len + 63) & ~size_t(63)) != 0) throw std::runtime_error("allocate(" + std::to_string(bytes) + " bytes): out of memory");
    std::memset(p, 0, len);
    b.data = static_cast<uint8_t*>(p);
  }
  const uint32_t id = next_id_++;
  buffers_[id] = b;
  return id;
}

uint32_t BufferTable::map_file(const std::string& path, uint64_t offset, uint64_t length) {
  if (length == 0) throw std::invalid_argument(path + ": cannot map an empty region");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(sys_error(path));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const std::string msg = sys_error(path);
    close(fd);
    throw std::runtime_error(msg);
  }
  const uint64_t fsize = (uint64_t)st.st_size;
  if (!S_ISREG(st.st_mode) || offset > fsize || length > fsize - offset) {
    close(fd);
    throw std::range_error(path + ": region of " + std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                           " is outside the file (" + std::to_string(fsize) + " bytes)");
  }
  const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  const uint64_t start = offset - offset % page;
  const size_t len = (size_t)(length + (offset - start));
  void* p = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, (off_t)start);
  const int err = errno;
  close(fd);
  if (p == MAP_FAILED) {
    errno = err;
    throw std::runtime_error(sys_error(path + ": mmap"));
  }
  Buffer b;
  b.map_base = p;
  b.map_len = len;
  b.data = static_cast<uint8_t*>(p) + (offset - start);
  b.size = (size_t)length;
  b.readonly = true;
  b.file_offset = offset;
  const uint32_t id = next_id_++;
  buffers_[id] = b;
  return id;
}

void BufferTable::release(Buffer& b) {
  if (b.map_base) munmap(b.map_base, b.map_len);
  else std::free(b.data);
  b = Buffer{};
}

void BufferTable::free(uint32_t id) {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw std::invalid_argument("free: unknown buffer " + std::to_string(id));
  release(it->second);
  buffers_.erase(it);
}

void BufferTable::free_all() {
  for (auto& [id, b] : buffers_) release(b);
  buffers_.clear();
}

const Buffer& BufferTable::get(uint32_t id) const {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw std::invalid_argument("unknown or freed buffer " + std::to_string(id));
  return it->second;
}

uint8_t* BufferTable::checked(uint32_t id, uint64_t offset, uint64_t length, bool write) const {
  const Buffer& b = get(id);
  if (offset > b.size || length > b.size - offset) {
    throw std::range_error("range of " + std::to_string(length) + " bytes at offset " + std::to_string(offset) + " is outside buffer " +
                           std::to_string(id) + " (" + std::to_string(b.size) + " bytes)");
  }
  if (write && b.readonly) throw std::invalid_argument("buffer " + std::to_string(id) + " is a read-only file mapping");
  return b.data + offset;
}

void BufferTable::advise(uint32_t id, uint64_t offset, uint64_t length, Advice advice) const {
  const Buffer& b = get(id);
  uint8_t* p = checked(id, offset, length, false);
  if (length == 0) return;
  if (advice == Advice::DontNeed && !b.readonly) {
    // on anonymous memory this would discard the contents
    throw std::invalid_argument("madvise dontneed applies to file mappings only (buffer " + std::to_string(id) + " is memory)");
  }
  if (!b.map_base) return;  // heap allocation: nothing to advise
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)p & ~(page - 1);
  if (start < (uintptr_t)b.map_base) start = (uintptr_t)b.map_base;
  const uintptr_t end = (uintptr_t)p + length;
  if (madvise((void*)start, end - start, advice == Advice::WillNeed ? MADV_WILLNEED : MADV_DONTNEED) != 0) {
    throw std::runtime_error(sys_error("madvise"));
  }
}

}  // namespace ix
