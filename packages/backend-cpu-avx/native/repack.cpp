#include "repack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "blocks.h"

namespace ix {

bool repack_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("IX_CPU_REPACK");
    return !(v && std::string(v) == "0");
  }();
  return on;
}

namespace {

void repack_q4_0_group(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nb, uint8_t* out) {
  for (int b = 0; b < nb; ++b) {
    uint8_t* blk = out + ((size_t)g * nb + b) * kQ4_0x16Bytes;
    std::memset(blk, 0, kQ4_0x16Bytes);
    for (int r = 0; r < kRepackRows; ++r) {
      const int64_t row = g * kRepackRows + r;
      if (row >= N) break;
      const block_q4_0* src = (const block_q4_0*)(w + (size_t)row * row_bytes) + b;
      std::memcpy(blk + 2 * r, &src->d, 2);
      for (int k = 0; k < 4; ++k) std::memcpy(blk + 32 + (k * kRepackRows + r) * 4, src->qs + 4 * k, 4);
    }
  }
}

void repack_q8_0_group(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nb, uint8_t* out) {
  for (int b = 0; b < nb; ++b) {
    uint8_t* blk = out + ((size_t)g * nb + b) * kQ8_0x16Bytes;
    std::memset(blk, 0, kQ8_0x16Bytes);
    for (int r = 0; r < kRepackRows; ++r) {
      const int64_t row = g * kRepackRows + r;
      if (row >= N) break;
      const block_q8_0* src = (const block_q8_0*)(w + (size_t)row * row_bytes) + b;
      std::memcpy(blk + 2 * r, &src->d, 2);
      for (int k = 0; k < 8; ++k) std::memcpy(blk + 32 + (k * kRepackRows + r) * 4, src->qs + 4 * k, 4);
    }
  }
}

void repack_q4_K_group(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nsb, uint8_t* out) {
  for (int sb = 0; sb < nsb; ++sb) {
    uint8_t* blk = out + ((size_t)g * nsb + sb) * kQ4_Kx16Bytes;
    std::memset(blk, 0, kQ4_Kx16Bytes);
    for (int r = 0; r < kRepackRows; ++r) {
      const int64_t row = g * kRepackRows + r;
      if (row >= N) break;
      const block_q4_K* src = (const block_q4_K*)(w + (size_t)row * row_bytes) + sb;
      std::memcpy(blk + 2 * r, &src->d, 2);
      std::memcpy(blk + 32 + 2 * r, &src->dmin, 2);
      uint8_t sm[16];
      k4_scales_mins(src->scales, sm);
      for (int j = 0; j < 8; ++j) {
        blk[64 + 16 * j + r] = sm[j];
        blk[192 + 16 * j + r] = sm[8 + j];
      }
      for (int p = 0; p < 4; ++p)
        for (int k = 0; k < 8; ++k) std::memcpy(blk + 320 + ((p * 8 + k) * kRepackRows + r) * 4, src->qs + 32 * p + 4 * k, 4);
    }
  }
}

void repack_q6_K_group(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nsb, uint8_t* out) {
  for (int sb = 0; sb < nsb; ++sb) {
    uint8_t* blk = out + ((size_t)g * nsb + sb) * kQ6_Kx16Bytes;
    std::memset(blk, 0, kQ6_Kx16Bytes);
    for (int r = 0; r < kRepackRows; ++r) {
      const int64_t row = g * kRepackRows + r;
      if (row >= N) break;
      const block_q6_K* src = (const block_q6_K*)(w + (size_t)row * row_bytes) + sb;
      std::memcpy(blk + 2 * r, &src->d, 2);
      for (int i = 0; i < 16; ++i) blk[32 + 16 * i + r] = (uint8_t)src->scales[i];
      for (int n = 0; n < 2; ++n) {
        for (int k = 0; k < 16; ++k) std::memcpy(blk + 288 + ((n * 16 + k) * kRepackRows + r) * 4, src->ql + 64 * n + 4 * k, 4);
        for (int k = 0; k < 8; ++k) std::memcpy(blk + 2336 + ((n * 8 + k) * kRepackRows + r) * 4, src->qh + 32 * n + 4 * k, 4);
      }
    }
  }
}

// the whole pages inside [p, p + len): the mapping's pages may be shared with neighbouring tensors
void give_back_pages(const uint8_t* p, size_t len) {
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1), end = ((uintptr_t)p + len) & ~(page - 1);
  if (end > start) madvise((void*)start, end - start, MADV_DONTNEED);  // file pages: re-read if touched again
}

}  // namespace

size_t repacked_block_bytes(int dtype) {
  switch (dtype) {
    case T_Q4_0: return kQ4_0x16Bytes;
    case T_Q8_0: return kQ8_0x16Bytes;
    case T_Q4_K: return kQ4_Kx16Bytes;
    case T_Q6_K: return kQ6_Kx16Bytes;
    default: return 0;
  }
}

Repacked RepackCache::get(const TensorRef& w, ThreadPool& pool, bool release_source) {
  auto it = entries_.find(w.data);
  if (it != entries_.end()) return {it->second.data.get(), it->second.groups};
  const int64_t N = w.dims[0], K = w.dims[1];
  const bool kq = w.dtype == T_Q4_K || w.dtype == T_Q6_K;
  const int nb = (int)(K / (kq ? QK_K : QK));
  const int64_t groups = (N + kRepackRows - 1) / kRepackRows;
  const size_t bytes = (size_t)groups * nb * repacked_block_bytes(w.dtype);
  void* mem = nullptr;
  if (posix_memalign(&mem, 64, bytes ? bytes : 64) != 0) throw std::bad_alloc();
  Entry e{w.buffer, groups, std::unique_ptr<uint8_t, void (*)(void*)>((uint8_t*)mem, std::free)};
  const size_t row_bytes = w.bytes / (size_t)N;
  pool.run(groups, [&](int64_t g) {
    if (w.dtype == T_Q4_K) repack_q4_K_group(w.data, row_bytes, N, g, nb, (uint8_t*)mem);
    else if (w.dtype == T_Q6_K) repack_q6_K_group(w.data, row_bytes, N, g, nb, (uint8_t*)mem);
    else if (w.dtype == T_Q8_0) repack_q8_0_group(w.data, row_bytes, N, g, nb, (uint8_t*)mem);
    else repack_q4_0_group(w.data, row_bytes, N, g, nb, (uint8_t*)mem);
  });
  if (release_source) give_back_pages(w.data, w.bytes);
  const uint8_t* data = e.data.get();
  entries_.emplace(w.data, std::move(e));
  return {data, groups};
}

void RepackCache::forget(uint32_t buffer) {
  for (auto it = entries_.begin(); it != entries_.end();) it = it->second.buffer == buffer ? entries_.erase(it) : std::next(it);
}

}  // namespace ix
