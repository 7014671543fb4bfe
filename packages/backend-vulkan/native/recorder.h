// Runs a program of dispatches (built by src/program.ts) as one command buffer, submitted once.
#pragma once
#include <cstddef>
#include <cstdint>

#include "device.h"
#include "pipelines.h"

namespace ix {

/**
 * Program layout (32-bit words):
 *   dispatchCount, then per dispatch:
 *   shader, groupsX, groupsY, groupsZ, bindingCount, bindingCount x {bufferId, offsetLo, offsetHi, range},
 *   pushCount, pushCount x word
 * Everything is validated (shader, binding count, buffers, alignment, ranges, group counts) before
 * anything is recorded; a barrier separates consecutive dispatches.
 */
void run_program(Device& device, Pipelines& pipelines, const uint32_t* words, size_t count);

}  // namespace ix
