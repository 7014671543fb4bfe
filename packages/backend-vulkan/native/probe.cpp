#include "probe.h"

#include <cstring>

namespace ix {

namespace {

bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

DeviceReport report_one(const VkApi& api, VkPhysicalDevice pd, uint32_t index) {
  DeviceReport r;
  r.index = index;
  VkPhysicalDeviceProperties props{};
  api.vkGetPhysicalDeviceProperties(pd, &props);
  uint32_t n = 0;
  api.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  api.vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
  const bool v12 = props.apiVersion >= VK_API_VERSION_1_2, v13 = props.apiVersion >= VK_API_VERSION_1_3;

  // properties: subgroups (core 1.1), maintenance3 (max allocation), driver name (1.2 / extension)
  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceMaintenance3Properties m3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  sub.pNext = &m3;
  if (v12 || has_extension(exts, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) m3.pNext = &drv;
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &sub;
  api.vkGetPhysicalDeviceProperties2(pd, &props2);

  // features, each struct chained only where the device knows it
  VkPhysicalDevice16BitStorageFeatures s16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDevice8BitStorageFeatures s8{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
  VkPhysicalDeviceShaderFloat16Int8Features f16i8{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
  VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  void** tail = &feats.pNext;
  auto chain = [&tail](auto& s) {
    *tail = &s;
    tail = &s.pNext;
  };
  chain(s16);
  if (v12 || has_extension(exts, VK_KHR_8BIT_STORAGE_EXTENSION_NAME)) chain(s8);
  if (v12 || has_extension(exts, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME)) chain(f16i8);
  if (v13 || has_extension(exts, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME)) chain(dot);
  api.vkGetPhysicalDeviceFeatures2(pd, &feats);

  r.name = props.deviceName;
  r.type = type_name(props.deviceType);
  r.apiVersion = version_string(props.apiVersion);
  r.driver = drv.driverName[0] ? std::string(drv.driverName) + (drv.driverInfo[0] ? std::string(" ") + drv.driverInfo : "") : "";
  r.vendorId = props.vendorID;
  r.deviceId = props.deviceID;
  r.subgroupSize = sub.subgroupSize;
  r.maxStorageBufferRange = props.limits.maxStorageBufferRange;
  r.minStorageBufferOffsetAlignment = props.limits.minStorageBufferOffsetAlignment;
  r.maxMemoryAllocationSize = m3.maxMemoryAllocationSize;
  for (int i = 0; i < 3; ++i) r.maxComputeWorkGroupCount[i] = props.limits.maxComputeWorkGroupCount[i];
  r.maxComputeSharedMemorySize = props.limits.maxComputeSharedMemorySize;

  VkPhysicalDeviceMemoryProperties mem{};
  api.vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) r.memoryBytes += mem.memoryHeaps[i].size;

  auto& f = r.features;
  f.push_back("vulkan-" + std::to_string(VK_API_VERSION_MAJOR(props.apiVersion)) + "." + std::to_string(VK_API_VERSION_MINOR(props.apiVersion)));
  if (f16i8.shaderFloat16) f.push_back("shaderFloat16");
  if (f16i8.shaderInt8) f.push_back("shaderInt8");
  if (feats.features.shaderInt16) f.push_back("shaderInt16");
  if (feats.features.shaderFloat64) f.push_back("shaderFloat64");
  if (s16.storageBuffer16BitAccess) f.push_back("storageBuffer16BitAccess");
  if (s8.storageBuffer8BitAccess) f.push_back("storageBuffer8BitAccess");
  if (dot.shaderIntegerDotProduct) f.push_back("shaderIntegerDotProduct");
  // the KHR struct is newer than some headers (Debian 12 ships 1.3.239): report the extension itself
  if (has_extension(exts, "VK_KHR_cooperative_matrix")) f.push_back("cooperativeMatrix");
  if (has_extension(exts, "VK_NV_cooperative_matrix")) f.push_back("cooperativeMatrixNV");
  const bool arith = (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) && (sub.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
  if (arith) f.push_back("subgroupArithmetic");

  uint32_t qn = 0;
  api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> queues(qn);
  api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, queues.data());
  for (uint32_t i = 0; i < qn; ++i) {
    if (queues[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      r.computeQueueFamily = (int32_t)i;
      break;
    }
  }
  if (props.apiVersion < VK_API_VERSION_1_1) r.unusable = "device supports Vulkan " + r.apiVersion + ", 1.1 is needed";
  else if (r.computeQueueFamily < 0) r.unusable = "device has no compute queue";
  else if (!arith) r.unusable = "device lacks subgroup arithmetic in compute shaders";
  return r;
}

}  // namespace

std::vector<DeviceReport> report_devices(const VkApi& api, VkInstance instance) {
  uint32_t n = 0;
  vk_check(api.vkEnumeratePhysicalDevices(instance, &n, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> pds(n);
  vk_check(api.vkEnumeratePhysicalDevices(instance, &n, pds.data()), "vkEnumeratePhysicalDevices");
  std::vector<DeviceReport> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back(report_one(api, pds[i], i));
  return out;
}

}  // namespace ix
