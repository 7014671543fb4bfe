// One logical Vulkan device: a compute queue, device-local buffers addressed by id, and a host-visible
// staging buffer through which every upload and download passes in chunks.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "probe.h"
#include "vk_api.h"

namespace ix {

struct DeviceBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  /** what the caller asked for */
  uint64_t byteLength = 0;
  /** the VkBuffer's size: byteLength rounded up to 16 (at least 16) so 32-bit words never run past it */
  uint64_t size = 0;
};

class Device {
 public:
  /** Opens physical device `index` through the loader at `library` ("" = libvulkan.so.1). */
  Device(const std::string& library, uint32_t index, uint64_t stagingBytes);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  uint32_t allocate(uint64_t byteLength);
  void free(uint32_t id);
  void upload(uint32_t id, uint64_t byteOffset, const uint8_t* data, uint64_t byteLength);
  void download(uint32_t id, uint64_t byteOffset, uint8_t* out, uint64_t byteLength);
  const DeviceBuffer& buffer(uint32_t id) const;

  /** Records commands with `record`, submits them once and waits for the queue to finish them. */
  void submit(const std::function<void(VkCommandBuffer)>& record);

  /** Every earlier transfer or shader write is visible to every later access. */
  void full_barrier(VkCommandBuffer cmd) const;

  const VkApi& api() const { return api_; }
  VkDevice device() const { return device_; }
  const DeviceReport& report() const { return report_; }
  size_t live_buffers() const { return buffers_.size(); }
  /** queue submissions so far (uploads and downloads submit once per staging chunk, programs once) */
  uint64_t submits() const { return submits_; }

 private:
  DeviceBuffer create_buffer(uint64_t size, VkBufferUsageFlags usage, uint32_t memoryType);
  void destroy_buffer(DeviceBuffer& b);
  uint32_t find_memory_type(uint32_t typeBits, VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer) const;
  void check_range(const DeviceBuffer& b, uint64_t byteOffset, uint64_t byteLength, const char* what) const;
  void destroy();

  VkApi api_{};
  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties memory_{};
  DeviceReport report_;
  uint32_t deviceLocalType_ = 0;
  uint32_t stagingType_ = 0;
  bool stagingCoherent_ = true;
  uint64_t stagingBytes_;
  DeviceBuffer staging_;
  uint8_t* stagingMap_ = nullptr;
  std::unordered_map<uint32_t, DeviceBuffer> buffers_;
  uint32_t nextId_ = 1;
  uint64_t submits_ = 0;
};

}  // namespace ix
