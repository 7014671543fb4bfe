#include "vk_api.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace ix {

const VkGlobal& vk_global(const std::string& library) {
  static std::mutex mu;
  static std::map<std::string, VkGlobal> loaded;
  std::lock_guard<std::mutex> lock(mu);
  const std::string path = library.empty() ? "libvulkan.so.1" : library;
  auto it = loaded.find(path);
  if (it != loaded.end()) return it->second;
  // never dlclose: the loader keeps ICD threads and state that outlive any one instance
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* err = dlerror();
    throw std::runtime_error("cannot load the Vulkan loader " + path + ": " + (err ? err : "unknown error"));
  }
  VkGlobal g;
  g.getInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
  if (!g.getInstanceProcAddr) throw std::runtime_error(path + " has no vkGetInstanceProcAddr");
#define IX_LOAD(name) g.name = reinterpret_cast<PFN_##name>(g.getInstanceProcAddr(VK_NULL_HANDLE, #name));
  IX_VK_GLOBAL_FUNCS(IX_LOAD)
#undef IX_LOAD
  if (!g.vkCreateInstance) throw std::runtime_error(path + " does not provide vkCreateInstance");
  return loaded.emplace(path, g).first->second;
}

VkApi vk_load_instance(const VkGlobal& g, VkInstance instance) {
  VkApi api;
#define IX_LOAD(name)                                                                    \
  api.name = reinterpret_cast<PFN_##name>(g.getInstanceProcAddr(instance, #name));       \
  if (!api.name) throw std::runtime_error("the Vulkan loader does not provide " #name);
  IX_VK_INSTANCE_FUNCS(IX_LOAD)
#undef IX_LOAD
  return api;
}

VkInstance vk_create_instance(const VkGlobal& g) {
  uint32_t version = VK_API_VERSION_1_0;
  if (g.vkEnumerateInstanceVersion) g.vkEnumerateInstanceVersion(&version);
  if (version < VK_API_VERSION_1_1) {
    throw std::runtime_error("the Vulkan loader offers API " + std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
                             std::to_string(VK_API_VERSION_MINOR(version)) + ", 1.1 or newer is needed");
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "ix";
  app.pEngineName = "ix";
  app.apiVersion = version < VK_API_VERSION_1_3 ? version : VK_API_VERSION_1_3;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  const VkResult r = g.vkCreateInstance(&info, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) {
    throw std::runtime_error("no Vulkan driver (ICD) found: vkCreateInstance returned VK_ERROR_INCOMPATIBLE_DRIVER");
  }
  vk_check(r, "vkCreateInstance");
  return instance;
}

std::string vk_result_name(VkResult r) {
  const char* name = "VK_ERROR_UNKNOWN";
  switch (r) {
#define IX_CASE(x) \
  case x:          \
    name = #x;     \
    break;
    IX_CASE(VK_SUCCESS)
    IX_CASE(VK_NOT_READY)
    IX_CASE(VK_TIMEOUT)
    IX_CASE(VK_INCOMPLETE)
    IX_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    IX_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    IX_CASE(VK_ERROR_INITIALIZATION_FAILED)
    IX_CASE(VK_ERROR_DEVICE_LOST)
    IX_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    IX_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    IX_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    IX_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    IX_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    IX_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    IX_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    IX_CASE(VK_ERROR_FRAGMENTED_POOL)
    IX_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
#undef IX_CASE
    default:
      break;
  }
  return std::string(name) + " (" + std::to_string((int)r) + ")";
}

}  // namespace ix
