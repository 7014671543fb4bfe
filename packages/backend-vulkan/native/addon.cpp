// Node-API surface: probe(), shaderNames() and the Context class (device, buffers, pipelines, programs).
// C++ exceptions become JS errors (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
#include <ix/napi_args.h>
#include <napi.h>

#include <cmath>
#include <memory>
#include <string>

#include "device.h"
#include "pipelines.h"
#include "probe.h"
#include "recorder.h"
#include "shader_table.h"

namespace ix {

namespace {

Napi::Object report_js(Napi::Env env, const DeviceReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", r.index);
  o.Set("name", r.name);
  o.Set("type", r.type);
  o.Set("apiVersion", r.apiVersion);
  o.Set("driver", r.driver);
  o.Set("vendorId", r.vendorId);
  o.Set("deviceId", r.deviceId);
  o.Set("memoryBytes", (double)r.memoryBytes);
  o.Set("subgroupSize", r.subgroupSize);
  o.Set("maxStorageBufferRange", (double)r.maxStorageBufferRange);
  o.Set("minStorageBufferOffsetAlignment", (double)r.minStorageBufferOffsetAlignment);
  o.Set("maxMemoryAllocationSize", (double)r.maxMemoryAllocationSize);
  Napi::Array groups = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) groups.Set(i, r.maxComputeWorkGroupCount[i]);
  o.Set("maxComputeWorkGroupCount", groups);
  o.Set("maxComputeSharedMemorySize", r.maxComputeSharedMemorySize);
  Napi::Array f = Napi::Array::New(env, r.features.size());
  for (size_t i = 0; i < r.features.size(); ++i) f.Set((uint32_t)i, r.features[i]);
  o.Set("features", f);
  if (!r.unusable.empty()) o.Set("unusable", r.unusable);
  return o;
}

// probe(library: string): DeviceReport[]; throws with the reason when there is no loader or driver
Napi::Value Probe(const Napi::CallbackInfo& info) {
  const std::string library = arg_string(info, 0, "library");
  const VkGlobal& g = vk_global(library);
  VkInstance instance = vk_create_instance(g);
  std::vector<DeviceReport> devices;
  VkApi api;
  try {
    api = vk_load_instance(g, instance);
    devices = report_devices(api, instance);
  } catch (...) {
    auto destroy = reinterpret_cast<PFN_vkDestroyInstance>(g.getInstanceProcAddr(instance, "vkDestroyInstance"));
    if (destroy) destroy(instance, nullptr);
    throw;
  }
  api.vkDestroyInstance(instance, nullptr);
  Napi::Array out = Napi::Array::New(info.Env(), devices.size());
  for (size_t i = 0; i < devices.size(); ++i) out.Set((uint32_t)i, report_js(info.Env(), devices[i]));
  return out;
}

Napi::Value ShaderNames(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env(), kShaderCount);
  for (size_t i = 0; i < kShaderCount; ++i) out.Set((uint32_t)i, kShaders[i].name);
  return out;
}

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Context",
                       {InstanceMethod("allocate", &Context::Allocate), InstanceMethod("free", &Context::Free),
                        InstanceMethod("upload", &Context::Upload), InstanceMethod("download", &Context::Download),
                        InstanceMethod("run", &Context::Run), InstanceMethod("device", &Context::DeviceInfo),
                        InstanceMethod("liveBuffers", &Context::LiveBuffers),
                        InstanceMethod("submits", &Context::Submits), InstanceMethod("dispose", &Context::Dispose)});
  }

  // new Context(library: string, deviceIndex: number, stagingBytes: number)
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    const std::string library = arg_string(info, 0, "library");
    const uint32_t index = arg_u32(info, 1, "device index");
    const uint64_t staging = arg_size(info, 2, "staging bytes");
    device_ = std::make_unique<Device>(library, index, staging);
    pipelines_ = std::make_unique<Pipelines>(*device_);
  }

 private:
  Device& dev() {
    if (!device_) throw std::invalid_argument("the Vulkan context was disposed");
    return *device_;
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), dev().allocate(arg_size(info, 0, "byteLength")));
  }

  void Free(const Napi::CallbackInfo& info) { dev().free(arg_u32(info, 0, "buffer id")); }

  void Upload(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_u32(info, 0, "buffer id");
    const uint64_t offset = arg_size(info, 1, "byteOffset");
    if (info.Length() < 3 || !info[2].IsTypedArray()) throw std::invalid_argument("data must be a Uint8Array");
    Napi::Uint8Array data = info[2].As<Napi::Uint8Array>();
    dev().upload(id, offset, data.Data(), data.ByteLength());
  }

  Napi::Value Download(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_u32(info, 0, "buffer id");
    const uint64_t offset = arg_size(info, 1, "byteOffset");
    const uint64_t length = arg_size(info, 2, "byteLength");
    dev().buffer(id);  // an unknown id fails before anything is allocated
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), length);
    dev().download(id, offset, out.Data(), length);
    return out;
  }

  void Run(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      throw std::invalid_argument("program must be a Uint32Array");
    }
    Napi::Uint32Array program = info[0].As<Napi::Uint32Array>();
    run_program(dev(), *pipelines_, program.Data(), program.ElementLength());
  }

  Napi::Value DeviceInfo(const Napi::CallbackInfo& info) { return report_js(info.Env(), dev().report()); }

  Napi::Value LiveBuffers(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)dev().live_buffers()); }

  Napi::Value Submits(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)dev().submits()); }

  void Dispose(const Napi::CallbackInfo&) {
    pipelines_.reset();
    device_.reset();
  }

  std::unique_ptr<Device> device_;
  std::unique_ptr<Pipelines> pipelines_;
};

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("shaderNames", Napi::Function::New(env, ShaderNames));
  exports.Set("Context", Context::Init(env));
  return exports;
}

}  // namespace ix

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ix::Init(env, exports); }

NODE_API_MODULE(ix_vulkan, InitAddon)
