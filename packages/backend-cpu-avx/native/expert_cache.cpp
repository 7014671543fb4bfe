#include "expert_cache.h"

#include <sys/mman.h>
#include <unistd.h>

namespace ix {

namespace {
// the whole pages inside [data, data + bytes): a neighbour's pages are never touched
bool inner_pages(const uint8_t* data, size_t bytes, uintptr_t* start, size_t* len) {
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t b = ((uintptr_t)data + page - 1) & ~(page - 1), e = ((uintptr_t)data + bytes) & ~(page - 1);
  if (e <= b) return false;
  *start = b;
  *len = e - b;
  return true;
}
}  // namespace

void ExpertCache::touch(uint32_t buffer, const uint8_t* data, size_t bytes) {
  ExpertStats& s = stats_[buffer];
  auto it = where_.find(data);
  if (it != where_.end()) {
    ++s.hits;
    it->second->epoch = epoch_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  ++s.misses;
  s.bytes_read += bytes;
  lru_.push_front({data, bytes, buffer, epoch_});
  where_[data] = lru_.begin();
  resident_ += bytes;
  if (!budget_) return;
  while (resident_ > budget_ && lru_.back().epoch != epoch_) {
    evict(lru_.back());
    where_.erase(lru_.back().data);
    lru_.pop_back();
  }
}

void ExpertCache::evict(const Entry& e) {
  resident_ -= e.bytes;
  uintptr_t start;
  size_t len;
  // the mapping is read-only and shared: its pages return from the page cache on the next read
  if (inner_pages(e.data, e.bytes, &start, &len)) madvise((void*)start, len, MADV_DONTNEED);
}

void ExpertCache::prefetch(const uint8_t* data, size_t bytes) const {
  if (!budget_ || where_.count(data)) return;
  uintptr_t start;
  size_t len;
  if (inner_pages(data, bytes, &start, &len)) madvise((void*)start, len, MADV_WILLNEED);
}

void ExpertCache::forget(uint32_t buffer) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->buffer != buffer) {
      ++it;
      continue;
    }
    resident_ -= it->bytes;
    where_.erase(it->data);
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
