// Compute pipelines for the embedded shaders, created on first use and kept for the device's lifetime.
#pragma once
#include <vector>

#include "device.h"
#include "shader_table.h"

namespace ix {

/** Push constants every shader may use: the 128 bytes Vulkan guarantees. */
constexpr uint32_t kPushWords = 32;

struct Pipeline {
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

class Pipelines {
 public:
  explicit Pipelines(Device& device) : device_(device), pipelines_(kShaderCount) {}
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  const Pipeline& get(uint32_t shader);

 private:
  Device& device_;
  std::vector<Pipeline> pipelines_;
};

}  // namespace ix
