// The memory's read bandwidth: about the most decode, which reads every weight once per token, can
// stream (a shared VM's bandwidth moves between minutes, so a fast minute may pass it). tools/bench
// divides it by a model's bytes per token for its decode ceiling.
#pragma once
#include <cstddef>

namespace ix {

// Bytes per second of `threads` threads reading a `bytes` buffer (far larger than the caches) at
// once, with the CPU's widest loads; the best of `runs` passes.
double read_bandwidth(size_t bytes, int threads, int runs);

}  // namespace ix
