// Runs one kernel launch on the CPU: blocks one after another, a block's threads as fibers that switch
// only at barriers (__syncthreads, warp shuffles), so a launch is deterministic.
#pragma once
#include <string>

namespace ixemu {

using KernelFn = void (*)(const void* args);

/** Runs grid x block threads of `fn`; returns "" or what went wrong (a barrier no thread can pass). */
std::string run_launch(KernelFn fn, const void* args, unsigned gx, unsigned gy, unsigned gz, unsigned block);

}  // namespace ixemu
