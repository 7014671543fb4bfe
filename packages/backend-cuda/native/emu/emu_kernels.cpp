// kernels.cu compiled as host code under emu_runtime.h: the same source the GPU runs.
#include "emu_runtime.h"

#include <dlfcn.h>

// exported, so ixemu_kernel finds them by name
#pragma GCC visibility push(default)
#include "../kernels/kernels.cu"
#pragma GCC visibility pop

/** A kernel of kernels.cu by name (null when there is none). */
extern "C" __attribute__((visibility("default"))) void* ixemu_kernel(const char* name) {
  static void* self = [] {
    Dl_info info{};
    dladdr((void*)&ixemu_kernel, &info);
    return dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  }();
  return self ? dlsym(self, name) : nullptr;
}
