#include "cuda_api.h"

#include <dlfcn.h>

#include <map>
#include <memory>
#include <mutex>

namespace ix {

namespace {

// cuda.h turns each name into its versioned symbol (cuMemAlloc -> cuMemAlloc_v2); stringifying the
// macro-expanded name gives the symbol to look up.
#define IX_STR2(x) #x
#define IX_STR(x) IX_STR2(x)

struct Loaded {
  std::unique_ptr<CudaApi> api;
  std::string error;
};

Loaded load(const std::string& library) {
  const std::string name = library.empty() ? "libcuda.so.1" : library;
  void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    return {nullptr, "cannot open the NVIDIA driver library " + name + " (no NVIDIA driver installed?): " + (e ? e : "unknown error")};
  }
  auto api = std::make_unique<CudaApi>();
  std::string missing;
#define IX_CU_FN(fn)                                                         \
  api->fn = reinterpret_cast<decltype(&::fn)>(dlsym(lib, IX_STR(fn)));       \
  if (!api->fn) missing += std::string(missing.empty() ? "" : ", ") + IX_STR(fn);
#include "cuda_functions.inc"
#undef IX_CU_FN
#define IX_CU_FN(fn) api->fn = reinterpret_cast<decltype(&::fn)>(dlsym(lib, IX_STR(fn)));
#include "cuda_optional_functions.inc"
#undef IX_CU_FN
  if (!missing.empty()) return {nullptr, name + " lacks " + missing + " (the driver is older than CUDA 12)"};
  const CUresult r = api->cuInit(0);
  if (r != CUDA_SUCCESS) {
    const char* s = nullptr;
    api->cuGetErrorString(r, &s);
    return {nullptr, std::string("cuInit failed: ") + (s ? s : "error " + std::to_string((int)r))};
  }
  return {std::move(api), ""};
}

}  // namespace

const CudaApi& cuda_api(const std::string& library) {
  // the driver stays open for the life of the process, as the driver expects
  static std::mutex mu;
  static std::map<std::string, Loaded> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(library);
  if (it == cache.end()) it = cache.emplace(library, load(library)).first;
  if (!it->second.api) throw std::runtime_error(it->second.error);
  return *it->second.api;
}

void cu_check(const CudaApi& api, CUresult r, const char* what) {
  if (r == CUDA_SUCCESS) return;
  const char* s = nullptr;
  if (api.cuGetErrorString) api.cuGetErrorString(r, &s);
  throw std::runtime_error(std::string(what) + ": " + (s ? s : "CUDA error " + std::to_string((int)r)));
}

}  // namespace ix
