// One CUDA device as the backend uses it: its primary context, one stream, the kernel module, device
// buffers by id, and a pinned staging buffer through which uploads and downloads pass.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cuda_api.h"

namespace ix {

struct DeviceReport {
  int index = 0;
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int multiprocessors = 0;
  uint64_t memoryBytes = 0;
  int memoryBusBits = 0;
  int memoryClockKHz = 0;
  int driverVersion = 0;
  /** why ix cannot use the device, when it cannot */
  std::string unusable;
};

/** Every device the driver shows; throws with the reason when there is no driver. */
std::vector<DeviceReport> report_devices(const std::string& library);

struct DeviceBuffer {
  CUdeviceptr ptr = 0;
  uint64_t size = 0;
};

class Device {
 public:
  Device(const std::string& library, int index, uint64_t stagingBytes);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const CudaApi& api() const { return api_; }
  CUstream stream() const { return stream_; }
  const DeviceReport& report() const { return report_; }

  uint32_t allocate(uint64_t bytes);
  void free(uint32_t id);
  const DeviceBuffer& buffer(uint32_t id) const;
  bool live(uint32_t id) const { return buffers_.count(id) != 0; }
  size_t live_buffers() const { return buffers_.size(); }

  /** host -> device and device -> host through the staging buffer; both wait for the stream. */
  void upload(uint32_t id, uint64_t offset, const uint8_t* data, uint64_t length);
  void download(uint32_t id, uint64_t offset, uint8_t* out, uint64_t length);
  /** small copies onto the stream without waiting (positions before a program) */
  void upload_async(CUdeviceptr dst, const void* src, uint64_t length);
  void synchronize();

  CUfunction function(uint32_t kernel) const;
  size_t kernel_count() const { return functions_.size(); }
  /** make this device's context current on the calling thread */
  void bind() const;

 private:
  void release();
  void check_range(const DeviceBuffer& b, uint64_t offset, uint64_t length, const char* what) const;

  const CudaApi& api_;
  DeviceReport report_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  CUmodule module_ = nullptr;
  std::vector<CUfunction> functions_;
  uint8_t* staging_ = nullptr;
  uint64_t stagingBytes_ = 0;
  std::map<uint32_t, DeviceBuffer> buffers_;
  uint32_t nextId_ = 1;
};

}  // namespace ix
