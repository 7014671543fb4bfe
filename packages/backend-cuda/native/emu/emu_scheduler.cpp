#include "emu_scheduler.h"

#if !defined(__x86_64__)
#error "the CUDA emulator's fiber switch is written for x86-64"
#endif

#include <cstdint>
#include <memory>
#include <vector>

#include "emu_runtime.h"

namespace ixemu {

dim3_emu thread_idx, block_idx, block_dim, grid_dim;

namespace {

constexpr size_t kStackBytes = 256 * 1024;

// A context is a saved stack pointer: switching pushes the callee-saved registers and the SSE/x87
// control words on the old stack and pops them from the new one (no system call, unlike swapcontext).
extern "C" void ixemu_switch(void** save, void* load);
asm(R"(
  .text
  .p2align 4
  .type ixemu_switch, @function
ixemu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size ixemu_switch, .-ixemu_switch
)");

void fiber_entry();

/** A stack that ixemu_switch "returns" into fiber_entry from. */
void* fresh_context(char* stack) {
  uintptr_t top = ((uintptr_t)(stack + kStackBytes)) & ~(uintptr_t)15;
  uint64_t* sp = (uint64_t*)top;
  *--sp = 0;                       // fiber_entry never returns: a null return address, and entry alignment
  *--sp = (uint64_t)&fiber_entry;  // ret target
  for (int i = 0; i < 6; ++i) *--sp = 0;  // rbp rbx r12 r13 r14 r15
  uint32_t mxcsr;
  uint16_t fpucw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  *--sp = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
  return sp;
}

enum class Wait { none, block, warp };

struct Fiber {
  void* sp = nullptr;
  bool done = false;
  Wait wait = Wait::none;
  uint64_t gen = 0;  // the barrier generation it waits to see pass
};

struct Barrier {
  unsigned arrived = 0, live = 0;
  uint64_t gen = 0;
};

struct Block {
  std::vector<Fiber> fibers;
  Barrier block;
  std::vector<Barrier> warps;
  std::vector<uint32_t> slots;  // one word per thread, for shuffles
  void* scheduler = nullptr;
  unsigned current = 0;
  KernelFn fn = nullptr;
  const void* args = nullptr;
};

Block* g_block = nullptr;

void yield_to_scheduler() {
  Fiber& f = g_block->fibers[g_block->current];
  ixemu_switch(&f.sp, g_block->scheduler);
}

/** Arrive at `b`; the last live thread releases everyone, the others wait for the generation to pass. */
void arrive(Barrier& b, Wait kind) {
  Fiber& f = g_block->fibers[g_block->current];
  const uint64_t gen = b.gen;
  if (++b.arrived == b.live) {
    b.arrived = 0;
    b.gen++;
    return;
  }
  f.wait = kind;
  f.gen = gen;
  yield_to_scheduler();
}

/** A thread that returns no longer holds up the barriers it would have reached. */
void leave(Barrier& b) {
  b.live--;
  if (b.arrived > 0 && b.arrived == b.live) {
    b.arrived = 0;
    b.gen++;
  }
}

void fiber_entry() {
  Block& blk = *g_block;
  const unsigned index = blk.current;
  blk.fn(blk.args);
  Fiber& f = blk.fibers[index];
  f.done = true;
  leave(blk.block);
  leave(blk.warps[index / 32]);
  ixemu_switch(&f.sp, blk.scheduler);  // never resumed
  __builtin_unreachable();
}

}  // namespace

void sync_block() { arrive(g_block->block, Wait::block); }

uint32_t shfl_xor_bits(uint32_t bits, int laneMask) {
  Block& blk = *g_block;
  const unsigned t = blk.current, warp = t / 32, lane = t % 32;
  blk.slots[t] = bits;
  arrive(blk.warps[warp], Wait::warp);
  const unsigned src = warp * 32 + ((lane ^ (unsigned)laneMask) & 31);
  const uint32_t out = src < blk.fibers.size() ? blk.slots[src] : bits;
  arrive(blk.warps[warp], Wait::warp);  // everyone has read before the slots are reused
  return out;
}

std::string run_launch(KernelFn fn, const void* args, unsigned gx, unsigned gy, unsigned gz, unsigned block) {
  static std::vector<std::unique_ptr<char[]>> stacks;  // kept between launches
  while (stacks.size() < block) stacks.emplace_back(new char[kStackBytes]);
  grid_dim = {gx, gy, gz};
  block_dim = {block, 1, 1};
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        Block blk;
        blk.fn = fn;
        blk.args = args;
        blk.fibers.resize(block);
        blk.block.live = block;
        blk.warps.resize((block + 31) / 32);
        for (unsigned w = 0; w < blk.warps.size(); ++w) blk.warps[w].live = std::min(32u, block - 32 * w);
        blk.slots.assign(block, 0);
        g_block = &blk;
        block_idx = {x, y, z};
        for (unsigned t = 0; t < block; ++t) blk.fibers[t].sp = fresh_context(stacks[t].get());
        // run every thread that can move until all are done
        unsigned remaining = block;
        while (remaining > 0) {
          bool moved = false;
          for (unsigned t = 0; t < block; ++t) {
            Fiber& f = blk.fibers[t];
            if (f.done) continue;
            if (f.wait == Wait::block && f.gen == blk.block.gen) continue;
            if (f.wait == Wait::warp && f.gen == blk.warps[t / 32].gen) continue;
            f.wait = Wait::none;
            blk.current = t;
            thread_idx = {t, 0, 0};
            ixemu_switch(&blk.scheduler, f.sp);
            moved = true;
            if (f.done) remaining--;
          }
          if (!moved) {
            g_block = nullptr;
            return "emulated launch: threads wait at a barrier that the other threads of block (" + std::to_string(x) + "," +
                   std::to_string(y) + ") never reach";
          }
        }
        g_block = nullptr;
      }
  return "";
}

}  // namespace ixemu
