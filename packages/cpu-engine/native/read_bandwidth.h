// The memory's read bandwidth: what decode, which reads every weight once per token, can at most
// stream. tools/bench divides it by a model's bytes per token for its decode ceiling.
#pragma once
#include <cstddef>

namespace ix {

// Bytes per second of `threads` threads reading a `bytes` buffer (far larger than the caches) at
// once, with the CPU's widest loads; the best of `runs` passes.
double read_bandwidth(size_t bytes, int threads, int runs);

}  // namespace ix
