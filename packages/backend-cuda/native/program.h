// A split compiled once into kernel launches (src/program.ts writes the words), run many times.
// From its second run on, the launches are captured into a CUDA graph and replayed with one call;
// what moves between steps (cache rows, attention positions) lives in a small device buffer that is
// written before each run, so the graph never changes.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "device.h"
#include "kernels/args.h"

namespace ix {

/**
 * Program layout (32-bit words):
 *   launchCount, then per launch:
 *   kernel, gridX, gridY, gridZ, blockX, sharedBytes,
 *   pointerCount, pointerCount x {kind, bufferId|index, offsetLo, offsetHi, bytesLo, bytesHi},
 *   wordCount, wordCount x word
 * Pointer kinds: 0 null, 1 a byte range of a buffer, 2 the positions buffer from word `index` on,
 * 3 a byte range (offset, bytes) of the program's own scratch memory (partial results between two
 * launches), allocated once with the program.
 * Everything is validated (kernel, sizes, buffers and byte ranges) before anything runs.
 */
class Program {
 public:
  Program(std::shared_ptr<Device> device, const uint32_t* words, size_t count, uint32_t positionCount, bool graphs);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  /** enqueue the program on the device's stream (no wait); `positions` holds positionCount words */
  void run(const uint32_t* positions, size_t count);
  size_t launches() const { return launches_.size(); }
  bool graphed() const { return exec_ != nullptr; }

 private:
  struct Launch {
    uint32_t kernel;
    CUfunction fn;
    unsigned grid[3];
    unsigned block;
    unsigned shared;
    Args args;
  };
  void launch_all();
  /** launch_all with an event around each launch, timings added to the profile (IX_CUDA_PROFILE) */
  void launch_all_timed();

  std::shared_ptr<Device> device_;
  std::vector<Launch> launches_;
  std::vector<uint32_t> buffers_;
  uint32_t positionCount_ = 0;
  CUdeviceptr positions_ = 0;
  CUdeviceptr scratch_ = 0;
  bool graphs_ = false;
  uint64_t runs_ = 0;
  CUgraphExec exec_ = nullptr;
  std::vector<CUevent> events_;  // launches + 1, only when profiling
};

}  // namespace ix
