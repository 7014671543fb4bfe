// What one physical device is and can do, as probe() reports it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "vk_api.h"

namespace ix {

struct DeviceReport {
  uint32_t index = 0;
  std::string name;
  /** "discrete" | "integrated" | "virtual" | "cpu" | "other" */
  std::string type;
  std::string apiVersion;
  std::string driver;
  uint32_t vendorId = 0, deviceId = 0;
  /** total size of the device-local heaps */
  uint64_t memoryBytes = 0;
  uint32_t subgroupSize = 0;
  uint64_t maxStorageBufferRange = 0;
  uint64_t minStorageBufferOffsetAlignment = 0;
  uint64_t maxMemoryAllocationSize = 0;
  uint32_t maxComputeWorkGroupCount[3] = {0, 0, 0};
  uint32_t maxComputeSharedMemorySize = 0;
  std::vector<std::string> features;
  /** empty when ix can run on it; otherwise why not */
  std::string unusable;
  int32_t computeQueueFamily = -1;
};

/** Every physical device of `instance`, in the loader's order. */
std::vector<DeviceReport> report_devices(const VkApi& api, VkInstance instance);

}  // namespace ix
