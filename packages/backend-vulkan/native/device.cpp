#include "device.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ix {

Device::Device(const std::string& library, uint32_t index, uint64_t stagingBytes) : stagingBytes_(stagingBytes) {
  if (stagingBytes < 4096 || stagingBytes % 4 != 0) throw std::invalid_argument("staging size must be a multiple of 4, at least 4096 bytes");
  const VkGlobal& g = vk_global(library);
  instance_ = vk_create_instance(g);
  try {
    api_ = vk_load_instance(g, instance_);
    const std::vector<DeviceReport> all = report_devices(api_, instance_);
    if (index >= all.size()) throw std::invalid_argument("no Vulkan device " + std::to_string(index) + " (found " + std::to_string(all.size()) + ")");
    report_ = all[index];
    if (!report_.unusable.empty()) throw std::runtime_error(report_.name + ": " + report_.unusable);
    uint32_t n = (uint32_t)all.size();
    std::vector<VkPhysicalDevice> pds(n);
    vk_check(api_.vkEnumeratePhysicalDevices(instance_, &n, pds.data()), "vkEnumeratePhysicalDevices");
    physical_ = pds[index];
    api_.vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    q.queueFamilyIndex = (uint32_t)report_.computeQueueFamily;
    q.queueCount = 1;
    q.pQueuePriorities = &priority;
    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &q;
    vk_check(api_.vkCreateDevice(physical_, &info, nullptr, &device_), "vkCreateDevice");
    api_.vkGetDeviceQueue(device_, q.queueFamilyIndex, 0, &queue_);

    VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool.queueFamilyIndex = q.queueFamilyIndex;
    vk_check(api_.vkCreateCommandPool(device_, &pool, nullptr, &pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = pool_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    vk_check(api_.vkAllocateCommandBuffers(device_, &alloc, &cmd_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    vk_check(api_.vkCreateFence(device_, &fence, nullptr, &fence_), "vkCreateFence");

    deviceLocalType_ = find_memory_type(~0u, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    stagingType_ = find_memory_type(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    stagingCoherent_ = memory_.memoryTypes[stagingType_].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    staging_ = create_buffer(stagingBytes_, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, stagingType_);
    void* map = nullptr;
    vk_check(api_.vkMapMemory(device_, staging_.memory, 0, VK_WHOLE_SIZE, 0, &map), "vkMapMemory");
    stagingMap_ = static_cast<uint8_t*>(map);
  } catch (...) {
    destroy();
    throw;
  }
}

Device::~Device() { destroy(); }

void Device::destroy() {
  if (device_) {
    for (auto& [id, b] : buffers_) destroy_buffer(b);
    buffers_.clear();
    if (stagingMap_) api_.vkUnmapMemory(device_, staging_.memory);
    stagingMap_ = nullptr;
    destroy_buffer(staging_);
    if (fence_) api_.vkDestroyFence(device_, fence_, nullptr);
    if (pool_) api_.vkDestroyCommandPool(device_, pool_, nullptr);
    api_.vkDestroyDevice(device_, nullptr);
    device_ = VK_NULL_HANDLE;
  }
  if (instance_ && api_.vkDestroyInstance) api_.vkDestroyInstance(instance_, nullptr);
  instance_ = VK_NULL_HANDLE;
}

uint32_t Device::find_memory_type(uint32_t typeBits, VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer) const {
  int best = -1, bestScore = -1;
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    const VkMemoryPropertyFlags f = memory_.memoryTypes[i].propertyFlags;
    if (!(typeBits & (1u << i)) || (f & want) != want) continue;
    const int score = __builtin_popcount(f & prefer);
    if (score > bestScore) best = (int)i, bestScore = score;
  }
  if (best < 0) throw std::runtime_error("the device has no suitable memory type");
  return (uint32_t)best;
}

DeviceBuffer Device::create_buffer(uint64_t size, VkBufferUsageFlags usage, uint32_t memoryType) {
  DeviceBuffer b;
  b.size = size;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  vk_check(api_.vkCreateBuffer(device_, &info, nullptr, &b.buffer), "vkCreateBuffer");
  VkMemoryRequirements req{};
  api_.vkGetBufferMemoryRequirements(device_, b.buffer, &req);
  if (!(req.memoryTypeBits & (1u << memoryType))) {
    // the preferred type cannot back this buffer: take any type with the same required properties
    memoryType = find_memory_type(req.memoryTypeBits, memory_.memoryTypes[memoryType].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, 0);
  }
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = memoryType;
  const VkResult r = api_.vkAllocateMemory(device_, &alloc, nullptr, &b.memory);
  if (r != VK_SUCCESS) {
    api_.vkDestroyBuffer(device_, b.buffer, nullptr);
    throw std::runtime_error("cannot allocate " + std::to_string(size) + " bytes of device memory: " + vk_result_name(r));
  }
  vk_check(api_.vkBindBufferMemory(device_, b.buffer, b.memory, 0), "vkBindBufferMemory");
  return b;
}

void Device::destroy_buffer(DeviceBuffer& b) {
  if (b.buffer) api_.vkDestroyBuffer(device_, b.buffer, nullptr);
  if (b.memory) api_.vkFreeMemory(device_, b.memory, nullptr);
  b = DeviceBuffer{};
}

uint32_t Device::allocate(uint64_t byteLength) {
  const uint64_t size = std::max<uint64_t>(16, (byteLength + 15) & ~uint64_t(15));
  if (report_.maxMemoryAllocationSize && size > report_.maxMemoryAllocationSize) {
    throw std::invalid_argument("cannot allocate " + std::to_string(byteLength) + " bytes: the device's largest allocation is " +
                                std::to_string(report_.maxMemoryAllocationSize) + " bytes");
  }
  DeviceBuffer b = create_buffer(size,
                                 VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                 deviceLocalType_);
  b.byteLength = byteLength;
  const uint32_t id = nextId_++;
  buffers_.emplace(id, b);
  return id;
}

void Device::free(uint32_t id) {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw std::invalid_argument("free: unknown buffer " + std::to_string(id));
  destroy_buffer(it->second);
  buffers_.erase(it);
}

const DeviceBuffer& Device::buffer(uint32_t id) const {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw std::invalid_argument("unknown buffer " + std::to_string(id));
  return it->second;
}

void Device::check_range(const DeviceBuffer& b, uint64_t byteOffset, uint64_t byteLength, const char* what) const {
  if (byteOffset > b.byteLength || byteLength > b.byteLength - byteOffset) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(byteLength) + " bytes at " + std::to_string(byteOffset) +
                                " exceed the buffer of " + std::to_string(b.byteLength) + " bytes");
  }
}

void Device::full_barrier(VkCommandBuffer cmd) const {
  VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  m.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT;
  m.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                    VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
  api_.vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT | VK_PIPELINE_STAGE_HOST_BIT,
                            VK_PIPELINE_STAGE_ALL_COMMANDS_BIT | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &m, 0, nullptr, 0, nullptr);
}

void Device::submit(const std::function<void(VkCommandBuffer)>& record) {
  vk_check(api_.vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vk_check(api_.vkBeginCommandBuffer(cmd_, &begin), "vkBeginCommandBuffer");
  full_barrier(cmd_);
  record(cmd_);
  full_barrier(cmd_);
  vk_check(api_.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd_;
  vk_check(api_.vkQueueSubmit(queue_, 1, &submit, fence_), "vkQueueSubmit");
  ++submits_;
  const VkResult r = api_.vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX);
  api_.vkResetFences(device_, 1, &fence_);
  vk_check(r, "vkWaitForFences");
}

void Device::upload(uint32_t id, uint64_t byteOffset, const uint8_t* data, uint64_t byteLength) {
  const DeviceBuffer& b = buffer(id);
  check_range(b, byteOffset, byteLength, "upload");
  for (uint64_t done = 0; done < byteLength;) {
    const uint64_t n = std::min(stagingBytes_, byteLength - done);
    std::memcpy(stagingMap_, data + done, n);
    if (!stagingCoherent_) {
      VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
      range.memory = staging_.memory;
      range.size = VK_WHOLE_SIZE;
      vk_check(api_.vkFlushMappedMemoryRanges(device_, 1, &range), "vkFlushMappedMemoryRanges");
    }
    submit([&](VkCommandBuffer cmd) {
      VkBufferCopy region{0, byteOffset + done, n};
      api_.vkCmdCopyBuffer(cmd, staging_.buffer, b.buffer, 1, &region);
    });
    done += n;
  }
}

void Device::download(uint32_t id, uint64_t byteOffset, uint8_t* out, uint64_t byteLength) {
  const DeviceBuffer& b = buffer(id);
  check_range(b, byteOffset, byteLength, "download");
  for (uint64_t done = 0; done < byteLength;) {
    const uint64_t n = std::min(stagingBytes_, byteLength - done);
    submit([&](VkCommandBuffer cmd) {
      VkBufferCopy region{byteOffset + done, 0, n};
      api_.vkCmdCopyBuffer(cmd, b.buffer, staging_.buffer, 1, &region);
    });
    if (!stagingCoherent_) {
      VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
      range.memory = staging_.memory;
      range.size = VK_WHOLE_SIZE;
      vk_check(api_.vkInvalidateMappedMemoryRanges(device_, 1, &range), "vkInvalidateMappedMemoryRanges");
    }
    std::memcpy(out + done, stagingMap_, n);
    done += n;
  }
}

}  // namespace ix
