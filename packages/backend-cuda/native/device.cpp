#include "device.h"

#include <algorithm>
#include <cstring>

#include "kernel_table.h"

// the fat binary of kernels/kernels.cu, embedded by fatbin.S
extern "C" const unsigned char ix_cuda_fatbin[];

namespace ix {

namespace {

constexpr int kMinCcMajor = 8;  // WMMA f16 tiles and the sm_80+ fat binary

DeviceReport describe(const CudaApi& api, int index) {
  DeviceReport r;
  r.index = index;
  CUdevice dev;
  cu_check(api, api.cuDeviceGet(&dev, index), "cuDeviceGet");
  char name[256] = {0};
  cu_check(api, api.cuDeviceGetName(name, sizeof(name) - 1, dev), "cuDeviceGetName");
  r.name = name;
  size_t mem = 0;
  cu_check(api, api.cuDeviceTotalMem(&mem, dev), "cuDeviceTotalMem");
  r.memoryBytes = mem;
  auto attr = [&](CUdevice_attribute a) {
    int v = 0;
    api.cuDeviceGetAttribute(&v, a, dev);
    return v;
  };
  r.ccMajor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  r.ccMinor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  r.multiprocessors = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  r.memoryBusBits = attr(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
  r.memoryClockKHz = attr(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
  api.cuDriverGetVersion(&r.driverVersion);
  if (r.ccMajor < kMinCcMajor) {
    r.unusable = "compute capability " + std::to_string(r.ccMajor) + "." + std::to_string(r.ccMinor) +
                 " is below the 8.0 (Ampere) the kernels are built for";
  }
  return r;
}

}  // namespace

std::vector<DeviceReport> report_devices(const std::string& library) {
  const CudaApi& api = cuda_api(library);
  int count = 0;
  cu_check(api, api.cuDeviceGetCount(&count), "cuDeviceGetCount");
  std::vector<DeviceReport> out;
  for (int i = 0; i < count; ++i) out.push_back(describe(api, i));
  return out;
}

Device::Device(const std::string& library, int index, uint64_t stagingBytes) : api_(cuda_api(library)) {
  int count = 0;
  cu_check(api_, api_.cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (index < 0 || index >= count) throw std::invalid_argument("CUDA device " + std::to_string(index) + " does not exist (" + std::to_string(count) + " found)");
  report_ = describe(api_, index);
  if (!report_.unusable.empty()) throw std::runtime_error(report_.name + ": " + report_.unusable);
  cu_check(api_, api_.cuDeviceGet(&device_, index), "cuDeviceGet");
  cu_check(api_, api_.cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain");
  try {
    bind();
    cu_check(api_, api_.cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    const CUresult r = api_.cuModuleLoadData(&module_, ix_cuda_fatbin);
    if (r == CUDA_ERROR_NO_BINARY_FOR_GPU) {
      throw std::runtime_error("the kernels have no code for compute capability " + std::to_string(report_.ccMajor) + "." + std::to_string(report_.ccMinor));
    }
    cu_check(api_, r, "cuModuleLoadData (kernels)");
    functions_.resize(kKernelCount);
    for (size_t i = 0; i < kKernelCount; ++i) cu_check(api_, api_.cuModuleGetFunction(&functions_[i], module_, kKernelNames[i]), kKernelNames[i]);
    stagingBytes_ = stagingBytes;
    void* host = nullptr;
    cu_check(api_, api_.cuMemAllocHost(&host, stagingBytes_), "cuMemAllocHost (staging)");
    staging_ = static_cast<uint8_t*>(host);
  } catch (...) {
    release();
    throw;
  }
}

Device::~Device() { release(); }

void Device::release() {
  if (!context_) return;
  api_.cuCtxSetCurrent(context_);
  if (stream_) api_.cuStreamSynchronize(stream_);
  for (auto& [id, b] : buffers_) api_.cuMemFree(b.ptr);
  buffers_.clear();
  if (staging_) api_.cuMemFreeHost(staging_);
  if (module_) api_.cuModuleUnload(module_);
  if (stream_) api_.cuStreamDestroy(stream_);
  api_.cuDevicePrimaryCtxRelease(device_);
  staging_ = nullptr;
  module_ = nullptr;
  stream_ = nullptr;
  context_ = nullptr;
}

void Device::bind() const { cu_check(api_, api_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); }

uint32_t Device::allocate(uint64_t bytes) {
  bind();
  CUdeviceptr p = 0;
  const CUresult r = api_.cuMemAlloc(&p, std::max<uint64_t>(bytes, 1));
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    size_t freeBytes = 0, total = 0;
    api_.cuMemGetInfo(&freeBytes, &total);
    throw std::runtime_error("out of GPU memory allocating " + std::to_string(bytes) + " bytes (" + std::to_string(freeBytes) + " of " + std::to_string(total) + " free)");
  }
  cu_check(api_, r, "cuMemAlloc");
  const uint32_t id = nextId_++;
  buffers_[id] = {p, bytes};
  return id;
}

void Device::free(uint32_t id) {
  const DeviceBuffer b = buffer(id);
  bind();
  // kernels still queued may read it
  cu_check(api_, api_.cuStreamSynchronize(stream_), "cuStreamSynchronize");
  api_.cuMemFree(b.ptr);
  buffers_.erase(id);
}

const DeviceBuffer& Device::buffer(uint32_t id) const {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw std::invalid_argument("unknown CUDA buffer id " + std::to_string(id));
  return it->second;
}

void Device::check_range(const DeviceBuffer& b, uint64_t offset, uint64_t length, const char* what) const {
  if (offset > b.size || length > b.size - offset) {
    throw std::invalid_argument(std::string(what) + ": bytes " + std::to_string(offset) + ".." + std::to_string(offset + length) + " are outside the buffer of " + std::to_string(b.size));
  }
}

void Device::upload(uint32_t id, uint64_t offset, const uint8_t* data, uint64_t length) {
  const DeviceBuffer& b = buffer(id);
  check_range(b, offset, length, "upload");
  bind();
  for (uint64_t done = 0; done < length;) {
    const uint64_t n = std::min(stagingBytes_, length - done);
    cu_check(api_, api_.cuStreamSynchronize(stream_), "cuStreamSynchronize");  // staging is free again
    std::memcpy(staging_, data + done, n);
    cu_check(api_, api_.cuMemcpyHtoDAsync(b.ptr + offset + done, staging_, n, stream_), "cuMemcpyHtoDAsync");
    done += n;
  }
  cu_check(api_, api_.cuStreamSynchronize(stream_), "upload");
}

void Device::download(uint32_t id, uint64_t offset, uint8_t* out, uint64_t length) {
  const DeviceBuffer& b = buffer(id);
  check_range(b, offset, length, "download");
  bind();
  for (uint64_t done = 0; done < length;) {
    const uint64_t n = std::min(stagingBytes_, length - done);
    cu_check(api_, api_.cuMemcpyDtoHAsync(staging_, b.ptr + offset + done, n, stream_), "cuMemcpyDtoHAsync");
    cu_check(api_, api_.cuStreamSynchronize(stream_), "download (a kernel may have failed)");
    std::memcpy(out + done, staging_, n);
    done += n;
  }
  if (length == 0) cu_check(api_, api_.cuStreamSynchronize(stream_), "download (a kernel may have failed)");
}

void Device::upload_async(CUdeviceptr dst, const void* src, uint64_t length) {
  cu_check(api_, api_.cuMemcpyHtoDAsync(dst, src, length, stream_), "cuMemcpyHtoDAsync (positions)");
}

void Device::synchronize() { cu_check(api_, api_.cuStreamSynchronize(stream_), "cuStreamSynchronize"); }

CUfunction Device::function(uint32_t kernel) const {
  if (kernel >= functions_.size()) throw std::invalid_argument("unknown kernel index " + std::to_string(kernel));
  return functions_[kernel];
}

}  // namespace ix
