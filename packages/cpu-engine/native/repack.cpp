#include "repack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "blocks.h"

namespace ix {

namespace {

// Row group g of a weight with nb blocks of Src per row: each block of the group is zeroed (rows
// past N stay zero), then put(dst, r, src) copies row r's block into it.
template <class Src, class Put>
void repack_group(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nb, size_t group_block_bytes, uint8_t* out, Put&& put) {
  for (int b = 0; b < nb; ++b) {
    uint8_t* dst = out + ((size_t)g * nb + b) * group_block_bytes;
    std::memset(dst, 0, group_block_bytes);
    for (int r = 0; r < kRepackRows && g * kRepackRows + r < N; ++r) put(dst, r, (const Src*)(w + (size_t)(g * kRepackRows + r) * row_bytes) + b);
  }
}

// 4 bytes of a row at `from` to slot k of a 16-row interleaved area at `area`
inline void put4(uint8_t* area, int k, int r, const void* from) { std::memcpy(area + (k * kRepackRows + r) * 4, from, 4); }

// the Q4_K part of a Q4_K or Q5_K row's super-block: scales, mins (6-bit, unpacked) and low nibbles
template <class Block>
void put_k4(uint8_t* dst, int r, const Block& src) {
  std::memcpy(dst + 2 * r, &src.d, 2);
  std::memcpy(dst + 32 + 2 * r, &src.dmin, 2);
  uint8_t sm[16];
  k4_scales_mins(src.scales, sm);
  for (int j = 0; j < 8; ++j) {
    dst[64 + 16 * j + r] = sm[j];
    dst[192 + 16 * j + r] = sm[8 + j];
  }
  for (int k = 0; k < 32; ++k) put4(dst + 320, k, r, src.qs + 4 * k);  // pair p = k / 8
}

// Row group g of a plain weight (ES-byte elements, nu units of U elements per row): unit u of the
// group holds element k = U·u + j of row r at byte (u · 16 + r) · U · ES + j · ES, rows past N zero.
template <size_t ES, int U>
void repack_plain(const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nu, uint8_t* out) {
  constexpr size_t unit_bytes = kRepackRows * U * ES;
  uint8_t* dst = out + (size_t)g * nu * unit_bytes;
  std::memset(dst, 0, (size_t)nu * unit_bytes);
  for (int r = 0; r < kRepackRows && g * kRepackRows + r < N; ++r) {
    const uint8_t* src = w + (size_t)(g * kRepackRows + r) * row_bytes;
    for (int u = 0; u < nu; ++u) std::memcpy(dst + (size_t)u * unit_bytes + r * U * ES, src + (size_t)u * U * ES, U * ES);
  }
}

void repack_rows(int dtype, const uint8_t* w, size_t row_bytes, int64_t N, int64_t g, int nb, uint8_t* out) {
  switch (dtype) {
    case T_F32: return repack_plain<4, 1>(w, row_bytes, N, g, nb, out);
    case T_F16: return repack_plain<2, 1>(w, row_bytes, N, g, nb, out);
    case T_BF16: return repack_plain<2, 2>(w, row_bytes, N, g, nb, out);
    case T_Q4_0:
    case T_IQ4_NL:  // the same block: an f16 scale and 16 bytes of nibbles
      return repack_group<block_q4_0>(w, row_bytes, N, g, nb, kQ4_0x16Bytes, out, [](uint8_t* dst, int r, const block_q4_0* src) {
        std::memcpy(dst + 2 * r, &src->d, 2);
        for (int k = 0; k < 4; ++k) put4(dst + 32, k, r, src->qs + 4 * k);
      });
    case T_MXFP4:
      return repack_group<block_mxfp4>(w, row_bytes, N, g, nb, kMXFP4x16Bytes, out, [](uint8_t* dst, int r, const block_mxfp4* src) {
        const float d = e8m0_to_fp32_half(src->e);
        std::memcpy(dst + 4 * r, &d, 4);
        for (int k = 0; k < 4; ++k) put4(dst + 64, k, r, src->qs + 4 * k);
      });
    case T_Q8_0:
      return repack_group<block_q8_0>(w, row_bytes, N, g, nb, kQ8_0x16Bytes, out, [](uint8_t* dst, int r, const block_q8_0* src) {
        std::memcpy(dst + 2 * r, &src->d, 2);
        for (int k = 0; k < 8; ++k) put4(dst + 32, k, r, src->qs + 4 * k);
      });
    case T_Q4_K:
      return repack_group<block_q4_K>(w, row_bytes, N, g, nb, kQ4_Kx16Bytes, out, [](uint8_t* dst, int r, const block_q4_K* src) { put_k4(dst, r, *src); });
    case T_Q5_K:
      return repack_group<block_q5_K>(w, row_bytes, N, g, nb, kQ5_Kx16Bytes, out, [](uint8_t* dst, int r, const block_q5_K* src) {
        put_k4(dst, r, *src);
        for (int k = 0; k < 8; ++k) put4(dst + kQ4_Kx16Bytes, k, r, src->qh + 4 * k);
      });
    case T_Q6_K:
      return repack_group<block_q6_K>(w, row_bytes, N, g, nb, kQ6_Kx16Bytes, out, [](uint8_t* dst, int r, const block_q6_K* src) {
        std::memcpy(dst + 2 * r, &src->d, 2);
        for (int i = 0; i < 16; ++i) dst[32 + 16 * i + r] = (uint8_t)src->scales[i];
        for (int k = 0; k < 32; ++k) put4(dst + 288, k, r, src->ql + 4 * k);  // half n = k / 16
        for (int k = 0; k < 16; ++k) put4(dst + 2336, k, r, src->qh + 4 * k);  // half n = k / 8
      });
    default:
      throw std::invalid_argument(std::string("repack: unsupported type ") + dtype_name(dtype));
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
    case T_Q4_0: case T_IQ4_NL: return kQ4_0x16Bytes;
    case T_MXFP4: return kMXFP4x16Bytes;
    case T_Q8_0: return kQ8_0x16Bytes;
    case T_Q4_K: return kQ4_Kx16Bytes;
    case T_Q5_K: return kQ5_Kx16Bytes;
    case T_Q6_K: return kQ6_Kx16Bytes;
    case T_F32: case T_BF16: return 64;
    case T_F16: return 32;
    default: return 0;
  }
}

int repack_unit(int dtype) {
  if (dtype == T_F32 || dtype == T_F16) return 1;
  if (dtype == T_BF16) return 2;
  int block = 0, type_size = 0;
  dtype_layout(dtype, &block, &type_size);
  return block;
}

namespace {
constexpr size_t kHuge = size_t(2) << 20;

// bytes of w ([N, K]) repacked
size_t repacked_bytes(int dtype, int64_t N, int64_t K) {
  return (size_t)((N + kRepackRows - 1) / kRepackRows) * (size_t)(K / repack_unit(dtype)) * repacked_block_bytes(dtype);
}

// 2 MiB or more: on 2 MiB boundaries, asking for huge pages where the kernel gives them on request
// (transparent_hugepage=madvise): a decode step streams every weight once, and with 4 KiB pages
// each 4 KiB of it costs a TLB miss
uint8_t* allocate_repacked(size_t bytes) {
  void* mem = nullptr;
  const bool large = bytes >= kHuge;
  const size_t alloc = large ? (bytes + kHuge - 1) / kHuge * kHuge : (bytes ? bytes : 64);
  if (posix_memalign(&mem, large ? kHuge : 64, alloc) != 0) throw std::bad_alloc();
  if (large) madvise(mem, alloc, MADV_HUGEPAGE);
  return (uint8_t*)mem;
}
}  // namespace

void RepackCache::reserve_experts(const TensorRef& w) {
  if (w.ndim != 3 || regions_.count(w.data) || !repacked_block_bytes(w.dtype)) return;
  const int64_t E = w.dims[0], N = w.dims[1], K = w.dims[2];
  if (E <= 0 || K % repack_unit(w.dtype) != 0) return;
  const size_t stride = (repacked_bytes(w.dtype, N, K) + 63) / 64 * 64;
  regions_.emplace(w.data, Region{w.buffer, w.bytes / (size_t)E, (size_t)E, stride, Memory(allocate_repacked(stride * (size_t)E), std::free)});
}

// where the expert slice w is repacked, when it lies in a reserved region's weight
uint8_t* RepackCache::region_slot(const TensorRef& w) {
  auto it = regions_.upper_bound(w.data);
  if (it == regions_.begin()) return nullptr;
  const Region& r = (--it)->second;
  const size_t off = (size_t)(w.data - it->first);
  if (r.buffer != w.buffer || w.bytes != r.slice || off % r.slice != 0 || off / r.slice >= r.count) return nullptr;
  return r.data.get() + off / r.slice * r.stride;
}

Repacked RepackCache::get(const TensorRef& w, ThreadPool& pool, bool release_source) {
  auto it = entries_.find(w.data);
  if (it != entries_.end()) return {it->second.data.get(), it->second.groups};
  const int64_t N = w.dims[0], K = w.dims[1];
  const int nb = (int)(K / repack_unit(w.dtype));
  const int64_t groups = (N + kRepackRows - 1) / kRepackRows;
  uint8_t* slot = region_slot(w);
  uint8_t* mem = slot ? slot : allocate_repacked(repacked_bytes(w.dtype, N, K));
  Entry e{w.buffer, groups, slot ? Memory(slot, [](void*) {}) : Memory(mem, std::free)};
  const size_t row_bytes = w.bytes / (size_t)N;
  pool.run(groups, [&](int64_t g) { repack_rows(w.dtype, w.data, row_bytes, N, g, nb, mem); });
  if (release_source && !kept_.count(w.data)) give_back_pages(w.data, w.bytes);
  const uint8_t* data = e.data.get();
  entries_.emplace(w.data, std::move(e));
  return {data, groups};
}

void RepackCache::forget(uint32_t buffer) {
  for (auto it = entries_.begin(); it != entries_.end();) it = it->second.buffer == buffer ? entries_.erase(it) : std::next(it);
  for (auto it = kept_.begin(); it != kept_.end();) it = it->second == buffer ? kept_.erase(it) : std::next(it);
  for (auto it = regions_.begin(); it != regions_.end();) it = it->second.buffer == buffer ? regions_.erase(it) : std::next(it);
}

}  // namespace ix
