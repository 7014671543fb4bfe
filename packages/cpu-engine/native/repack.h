// Weights repacked for the integer kernels: 16 rows interleaved 4 bytes at a time, so a 64-byte
// load holds the same 4 positions of 16 rows and every vector lane is one output row (no
// horizontal sums; llama.cpp's CPU "repack" buffers do the same); plain weights (F32, F16, BF16)
// interleaved one element (BF16: two) at a time, for FMA kernels with rows in the lanes. Only
// read-only file mappings are repacked (their bytes never change), lazily at first use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>

#include "program.h"
#include "thread_pool.h"

namespace ix {

// Q4_0 x 16 rows: per row group g and block b, at ((g * nb) + b) * 288 bytes:
//   uint16_t d[16]; uint8_t qs[4][16][4]  (qs[k][r] = bytes 4k..4k+3 of row r's block)
// A last, partial group has zero rows. Same size as 16 plain blocks. IQ4_NL (the same block, its
// nibbles indices into 16 values) is repacked the same way.
constexpr int kRepackRows = 16;
constexpr size_t kQ4_0x16Bytes = 288;

// MXFP4 x 16 rows: Q4_0's interleaved nibbles after each row's scale as f32 (its E8M0 exponent
// halved, which f16 cannot hold for every exponent): per row group g and block b, at
// ((g * nb) + b) * 320 bytes: float d[16]; uint8_t qs[4][16][4]
constexpr size_t kMXFP4x16Bytes = 64 + 256;

// Q8_0 x 16 rows: per row group g and block b, at ((g * nb) + b) * 544 bytes:
//   uint16_t d[16]; int8_t qs[8][16][4]  (qs[k][r] = values 4k..4k+3 of row r's block)
constexpr size_t kQ8_0x16Bytes = 32 + 512;

// Q4_K x 16 rows: per row group g and super-block s, at ((g * nsb) + s) * 2368 bytes:
//   uint16_t d[16], dmin[16]; uint8_t sc[8][16], mn[8][16]  (6-bit scales and mins, unpacked)
//   uint8_t qs[4][8][16][4]  (qs[p][k][r] = bytes 32p + 4k .. 32p + 4k + 3 of row r's qs)
constexpr size_t kQ4_Kx16Bytes = 64 + 256 + 2048;

// Q5_K x 16 rows: Q4_K's layout (its low 4 bits), then the fifth bits at byte 2368:
//   uint8_t qh[8][16][4]  (qh[k][r] = bytes 4k .. 4k + 3 of row r's qh; bit j is sub-block j's)
constexpr size_t kQ5_Kx16Bytes = kQ4_Kx16Bytes + 512;

// Q6_K x 16 rows: per row group g and super-block s, at ((g * nsb) + s) * 3360 bytes:
//   uint16_t d[16]; int8_t sc[16][16]  (sc[i][r] = row r's scale of elements 16i..16i+15)
//   uint8_t ql[2][16][16][4]  (ql[n][k][r] = bytes 64n + 4k .. 64n + 4k + 3 of row r's ql)
//   uint8_t qh[2][8][16][4]   (qh[n][k][r] = bytes 32n + 4k .. 32n + 4k + 3 of row r's qh)
constexpr size_t kQ6_Kx16Bytes = 32 + 256 + 2048 + 1024;

// Plain weights x 16 rows, per row group g and unit u (repack_unit elements of each row) at
// ((g * nu) + u) * 64 bytes:
//   F32:  float    v[16]      (v[r] = row r's element u)
//   F16:  uint16_t v[16]      (32 bytes per unit)
//   BF16: uint16_t v[16][2]   (v[r] = row r's elements 2u, 2u + 1: the pairs vdpbf16ps multiplies)

// bytes per group and block (or super-block, or unit of a plain type) of a repackable type; 0 if
// it is not repacked
size_t repacked_block_bytes(int dtype);
// elements of a row per repacked block: the type's block, or a plain type's unit (a row's length
// must be a multiple of it)
int repack_unit(int dtype);

struct Repacked {
  const uint8_t* data;
  int64_t groups;  // of kRepackRows rows
};

class RepackCache {
 public:
  // the repacked form of weight w (Q4_0, IQ4_NL, MXFP4, Q8_0, Q4_K, Q5_K, Q6_K, F32, F16 or BF16; read-only buffer), made on first use; with
  // release_source the mapping's pages are given back (when nothing reads the original layout)
  Repacked get(const TensorRef& w, ThreadPool& pool, bool release_source);
  // the original layout of w is read too (get_rows on a tied embedding that is also the output
  // weight): its pages stay mapped when it is repacked, instead of faulting back in row by row
  void keep_source(const TensorRef& w) { kept_.emplace(w.data, w.buffer); }
  // the experts of the 3-D weight w ([E, N, K]) are repacked into one region of huge pages as each
  // is first used (get on a slice), instead of an allocation each: those would be 4 KiB pages, a
  // TLB miss per 4 KiB of the few hundred experts a decode step reads. Huge pages no used expert
  // lies in stay unmapped. Call before get() on its slices; a type that is not repacked is ignored.
  void reserve_experts(const TensorRef& w);
  // a buffer was freed: drop what was made from it
  void forget(uint32_t buffer);
  void clear() {
    entries_.clear();
    kept_.clear();
    regions_.clear();
  }

 private:
  using Memory = std::unique_ptr<uint8_t, void (*)(void*)>;
  struct Entry {
    uint32_t buffer;
    int64_t groups;
    Memory data{nullptr, nullptr};  // a slot of a region: not freed on its own
  };
  // where expert slices of one 3-D weight are repacked: slice e of `slice` source bytes at
  // data + e * stride
  struct Region {
    uint32_t buffer;
    size_t slice, count, stride;
    Memory data{nullptr, nullptr};
  };
  uint8_t* region_slot(const TensorRef& w);
  std::unordered_map<const uint8_t*, Entry> entries_;
  std::unordered_map<const uint8_t*, uint32_t> kept_;  // data -> its buffer
  std::map<const uint8_t*, Region> regions_;           // by the 3-D weight's data
};


}  // namespace ix
