// A stand-in for libcuda.so.1 that runs the backend's kernels on the CPU (emu_kernels.cpp): the driver
// functions the addon calls (native/cuda_functions.inc), with device memory in host memory, streams
// that run at once and graphs that record launches and replay them. Point IX_CUDA_LIBRARY at it to
// test the whole backend (planning, fusion, programs, graphs, kernels) where no GPU is.
#include <cuda.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../kernels/args.h"
#include "emu_scheduler.h"

extern "C" void* ixemu_kernel(const char* name);

namespace {

struct Function {
  void (*fn)(ix::Args);
};
struct Launch {
  Function* f;
  unsigned grid[3], block;
  ix::Args args;
};
struct Graph {
  std::vector<Launch> launches;
};
struct Stream {
  Graph* capture = nullptr;
};
struct Event {
  std::chrono::steady_clock::time_point at;
};

/** what the emulated device says it has, and the largest allocation it grants */
constexpr size_t kMemoryBytes = (size_t)8 << 30;

std::mutex g_mu;
std::string g_error;
void (*g_current)(ix::Args) = nullptr;
int g_module = 0;
int g_context = 0;

void trampoline(const void* args) { g_current(*static_cast<const ix::Args*>(args)); }

CUresult run(const Launch& l) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_current = l.f->fn;
  const std::string e = ixemu::run_launch(trampoline, &l.args, l.grid[0], l.grid[1], l.grid[2], l.block);
  if (e.empty()) return CUDA_SUCCESS;
  g_error = e;
  return CUDA_ERROR_LAUNCH_FAILED;
}

}  // namespace

extern "C" {

#define IX_EXPORT __attribute__((visibility("default")))

IX_EXPORT CUresult cuInit(unsigned int) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuDriverGetVersion(int* v) {
  *v = CUDA_VERSION;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuGetErrorString(CUresult r, const char** s) {
  *s = r == CUDA_ERROR_LAUNCH_FAILED ? g_error.c_str() : r == CUDA_ERROR_NOT_FOUND ? "not found (emulator)" : "error (emulator)";
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDeviceGetCount(int* n) {
  *n = 1;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDeviceGet(CUdevice* d, int ordinal) {
  if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
  *d = 0;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDeviceGetName(char* name, int len, CUdevice) {
  std::snprintf(name, (size_t)len, "%s", "ix CUDA emulator (CPU)");
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDeviceTotalMem(size_t* bytes, CUdevice) {
  *bytes = kMemoryBytes;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice) {
  switch (a) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 1; break;
    case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: *v = 64; break;
    case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: *v = 1000000; break;
    default: *v = 0;
  }
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice) {
  *c = reinterpret_cast<CUcontext>(&g_context);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuDevicePrimaryCtxRelease(CUdevice) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuCtxSynchronize(void) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuMemGetInfo(size_t* freeBytes, size_t* total) {
  *freeBytes = *total = kMemoryBytes;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuModuleLoadData(CUmodule* m, const void*) {
  *m = reinterpret_cast<CUmodule>(&g_module);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuModuleUnload(CUmodule) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
  void* fn = ixemu_kernel(name);
  if (!fn) return CUDA_ERROR_NOT_FOUND;
  static std::vector<Function*> made;  // one per name, for the life of the process
  auto* out = new Function{reinterpret_cast<void (*)(ix::Args)>(fn)};
  made.push_back(out);
  *f = reinterpret_cast<CUfunction>(out);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemAlloc(CUdeviceptr* p, size_t bytes) {
  if (bytes > kMemoryBytes) return CUDA_ERROR_OUT_OF_MEMORY;
  void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256 + 256);
  if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
  *p = reinterpret_cast<CUdeviceptr>(m);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemFree(CUdeviceptr p) {
  std::free(reinterpret_cast<void*>(p));
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemAllocHost(void** p, size_t bytes) {
  *p = std::malloc(bytes);
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
IX_EXPORT CUresult cuMemFreeHost(void* p) {
  std::free(p);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t n, CUstream) {
  std::memcpy(reinterpret_cast<void*>(dst), src, n);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t n, CUstream) {
  std::memcpy(dst, reinterpret_cast<const void*>(src), n);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream) {
  std::memset(reinterpret_cast<void*>(dst), v, n);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuStreamCreate(CUstream* s, unsigned int) {
  *s = reinterpret_cast<CUstream>(new Stream());
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuStreamDestroy(CUstream s) {
  delete reinterpret_cast<Stream*>(s);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                                  unsigned int bz, unsigned int, CUstream s, void** params, void**) {
  if (by != 1 || bz != 1 || bx == 0 || bx > 1024 || !params) return CUDA_ERROR_INVALID_VALUE;
  Launch l{reinterpret_cast<Function*>(f), {gx, gy, gz}, bx, {}};
  std::memcpy(&l.args, params[0], sizeof(ix::Args));
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (stream && stream->capture) {
    stream->capture->launches.push_back(l);
    return CUDA_SUCCESS;
  }
  return run(l);
}
IX_EXPORT CUresult cuStreamBeginCapture(CUstream s, CUstreamCaptureMode) {
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (!stream || stream->capture) return CUDA_ERROR_ILLEGAL_STATE;
  stream->capture = new Graph();
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuStreamEndCapture(CUstream s, CUgraph* g) {
  Stream* stream = reinterpret_cast<Stream*>(s);
  if (!stream || !stream->capture) return CUDA_ERROR_ILLEGAL_STATE;
  *g = reinterpret_cast<CUgraph>(stream->capture);
  stream->capture = nullptr;
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec* e, CUgraph g, unsigned long long) {
  *e = reinterpret_cast<CUgraphExec>(new Graph(*reinterpret_cast<Graph*>(g)));
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuGraphLaunch(CUgraphExec e, CUstream) {
  for (const Launch& l : reinterpret_cast<Graph*>(e)->launches) {
    const CUresult r = run(l);
    if (r != CUDA_SUCCESS) return r;
  }
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuGraphDestroy(CUgraph g) {
  delete reinterpret_cast<Graph*>(g);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuGraphExecDestroy(CUgraphExec e) {
  delete reinterpret_cast<Graph*>(e);
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuEventCreate(CUevent* e, unsigned int) {
  *e = reinterpret_cast<CUevent>(new Event());
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuEventRecord(CUevent e, CUstream) {
  reinterpret_cast<Event*>(e)->at = std::chrono::steady_clock::now();
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
IX_EXPORT CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
  *ms = std::chrono::duration<float, std::milli>(reinterpret_cast<Event*>(b)->at - reinterpret_cast<Event*>(a)->at).count();
  return CUDA_SUCCESS;
}
IX_EXPORT CUresult cuEventDestroy(CUevent e) {
  delete reinterpret_cast<Event*>(e);
  return CUDA_SUCCESS;
}

}  // extern "C"
