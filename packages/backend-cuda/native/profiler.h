// IX_CUDA_PROFILE=1: every launch is timed with driver events (CUDA graphs are then off) and a table
// of GPU time per kernel and grid is printed to stderr when the process exits. For finding where a
// step's time goes on a GPU machine; gaps while the GPU waits for the host count toward the next launch.
#pragma once
#include <cstdint>
#include <string>

namespace ix {

/** Is IX_CUDA_PROFILE set (read once)? */
bool profiling_enabled();

/** Adds one launch of `key` (kernel name and grid) that took `ms`. */
void profile_record(const std::string& key, float ms);

}  // namespace ix
