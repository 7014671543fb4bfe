// Vulkan entry points, loaded from libvulkan with dlopen so that the addon itself loads (and can say
// why Vulkan is unusable) on machines without a Vulkan loader.
#pragma once
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace ix {

#define IX_VK_GLOBAL_FUNCS(X) \
  X(vkCreateInstance)         \
  X(vkEnumerateInstanceVersion)

#define IX_VK_INSTANCE_FUNCS(X)                 \
  X(vkDestroyInstance)                          \
  X(vkEnumeratePhysicalDevices)                 \
  X(vkGetPhysicalDeviceProperties)              \
  X(vkGetPhysicalDeviceProperties2)             \
  X(vkGetPhysicalDeviceFeatures2)               \
  X(vkGetPhysicalDeviceMemoryProperties)        \
  X(vkGetPhysicalDeviceQueueFamilyProperties)   \
  X(vkEnumerateDeviceExtensionProperties)       \
  X(vkCreateDevice)                             \
  X(vkDestroyDevice)                            \
  X(vkGetDeviceQueue)                           \
  X(vkCreateBuffer)                             \
  X(vkDestroyBuffer)                            \
  X(vkGetBufferMemoryRequirements)              \
  X(vkAllocateMemory)                           \
  X(vkFreeMemory)                               \
  X(vkBindBufferMemory)                         \
  X(vkMapMemory)                                \
  X(vkUnmapMemory)                              \
  X(vkInvalidateMappedMemoryRanges)             \
  X(vkFlushMappedMemoryRanges)                  \
  X(vkCreateCommandPool)                        \
  X(vkDestroyCommandPool)                       \
  X(vkAllocateCommandBuffers)                   \
  X(vkResetCommandBuffer)                       \
  X(vkBeginCommandBuffer)                       \
  X(vkEndCommandBuffer)                         \
  X(vkCmdCopyBuffer)                            \
  X(vkCmdBindPipeline)                          \
  X(vkCmdBindDescriptorSets)                    \
  X(vkCmdPushConstants)                         \
  X(vkCmdDispatch)                              \
  X(vkCmdPipelineBarrier)                       \
  X(vkQueueSubmit)                              \
  X(vkCreateFence)                              \
  X(vkDestroyFence)                             \
  X(vkWaitForFences)                            \
  X(vkResetFences)                              \
  X(vkCreateShaderModule)                       \
  X(vkDestroyShaderModule)                      \
  X(vkCreateDescriptorSetLayout)                \
  X(vkDestroyDescriptorSetLayout)               \
  X(vkCreatePipelineLayout)                     \
  X(vkDestroyPipelineLayout)                    \
  X(vkCreateComputePipelines)                   \
  X(vkDestroyPipeline)                          \
  X(vkCreateDescriptorPool)                     \
  X(vkDestroyDescriptorPool)                    \
  X(vkAllocateDescriptorSets)                   \
  X(vkUpdateDescriptorSets)

/** Global entry points (from the loader library). */
struct VkGlobal {
  PFN_vkGetInstanceProcAddr getInstanceProcAddr = nullptr;
#define IX_DECL(name) PFN_##name name = nullptr;
  IX_VK_GLOBAL_FUNCS(IX_DECL)
#undef IX_DECL
};

/** Entry points resolved for one VkInstance (device-level ones go through the loader's trampolines). */
struct VkApi {
#define IX_DECL(name) PFN_##name name = nullptr;
  IX_VK_INSTANCE_FUNCS(IX_DECL)
#undef IX_DECL
};

/**
 * Opens the Vulkan loader (`library`, or libvulkan.so.1 when empty) once per distinct path.
 * Throws std::runtime_error naming the library and dlerror() when it cannot be opened.
 */
const VkGlobal& vk_global(const std::string& library);

VkApi vk_load_instance(const VkGlobal& g, VkInstance instance);

/** "VK_ERROR_INITIALIZATION_FAILED (-3)" */
std::string vk_result_name(VkResult r);

/** Throws std::runtime_error("<what>: <result>") unless r is VK_SUCCESS. */
inline void vk_check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) throw std::runtime_error(std::string(what) + " failed: " + vk_result_name(r));
}

/** Creates an instance for API 1.1+ (the newest the loader offers, up to 1.3); caller destroys it. */
VkInstance vk_create_instance(const VkGlobal& g);

}  // namespace ix
