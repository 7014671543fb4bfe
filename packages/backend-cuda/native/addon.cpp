// Node-API surface: probe(), kernelNames(), hostDequantize() and the Context class (device, buffers,
// programs). C++ exceptions become JS errors (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
#include <ix/napi_args.h>
#include <napi.h>

#include <cmath>
#include <memory>
#include <string>

#include "device.h"
#include "host_dequant.h"
#include "kernel_table.h"
#include "program.h"

namespace ix {

namespace {

Napi::Object report_js(Napi::Env env, const DeviceReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", r.index);
  o.Set("name", r.name);
  o.Set("computeCapability", std::to_string(r.ccMajor) + "." + std::to_string(r.ccMinor));
  o.Set("multiprocessors", r.multiprocessors);
  o.Set("memoryBytes", (double)r.memoryBytes);
  o.Set("memoryBusBits", r.memoryBusBits);
  o.Set("memoryClockKHz", r.memoryClockKHz);
  o.Set("driverVersion", r.driverVersion);
  if (!r.unusable.empty()) o.Set("unusable", r.unusable);
  return o;
}

// probe(library: string): DeviceReport[]; throws with the reason when there is no driver
Napi::Value Probe(const Napi::CallbackInfo& info) {
  const std::vector<DeviceReport> devices = report_devices(arg_string(info, 0, "library"));
  Napi::Array out = Napi::Array::New(info.Env(), devices.size());
  for (size_t i = 0; i < devices.size(); ++i) out.Set((uint32_t)i, report_js(info.Env(), devices[i]));
  return out;
}

Napi::Value KernelNames(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env(), kKernelCount);
  for (size_t i = 0; i < kKernelCount; ++i) out.Set((uint32_t)i, kKernelNames[i]);
  return out;
}

// hostDequantize(type: number, data: Uint8Array, count: number): Float32Array
Napi::Value HostDequantize(const Napi::CallbackInfo& info) {
  const uint32_t type = arg_u32(info, 0, "type");
  Napi::Uint8Array data = arg_bytes(info, 1, "data");
  const uint64_t count = arg_size(info, 2, "count");
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), count);
  host_dequantize((int)type, data.Data(), data.ByteLength(), count, out.Data());
  return out;
}

class ProgramObject : public Napi::ObjectWrap<ProgramObject> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Program",
                       {InstanceMethod("run", &ProgramObject::Run), InstanceMethod("launches", &ProgramObject::Launches),
                        InstanceMethod("graphed", &ProgramObject::Graphed), InstanceMethod("dispose", &ProgramObject::Dispose)});
  }

  explicit ProgramObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramObject>(info) {}

  void adopt(std::unique_ptr<Program> p) { program_ = std::move(p); }

 private:
  Program& program() {
    if (!program_) throw std::invalid_argument("the CUDA program was disposed");
    return *program_;
  }
  void Run(const Napi::CallbackInfo& info) {
    Napi::Uint32Array pos = arg_words(info, 0, "positions");
    program().run(pos.Data(), pos.ElementLength());
  }
  Napi::Value Launches(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)program().launches()); }
  Napi::Value Graphed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), program().graphed()); }
  void Dispose(const Napi::CallbackInfo&) { program_.reset(); }

  std::unique_ptr<Program> program_;
};

// per Node environment (the main thread and each worker load the addon on their own)
struct AddonData {
  Napi::FunctionReference program;
};

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Context",
                       {InstanceMethod("allocate", &Context::Allocate), InstanceMethod("free", &Context::Free),
                        InstanceMethod("upload", &Context::Upload), InstanceMethod("download", &Context::Download),
                        InstanceMethod("downloadInto", &Context::DownloadInto), InstanceMethod("compile", &Context::Compile),
                        InstanceMethod("synchronize", &Context::Synchronize), InstanceMethod("device", &Context::DeviceInfo),
                        InstanceMethod("liveBuffers", &Context::LiveBuffers), InstanceMethod("dispose", &Context::Dispose)});
  }

  // new Context(library: string, deviceIndex: number, stagingBytes: number)
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    const std::string library = arg_string(info, 0, "library");
    const uint32_t index = arg_u32(info, 1, "device index");
    const uint64_t staging = arg_size(info, 2, "staging bytes");
    device_ = std::make_shared<Device>(library, (int)index, staging);
  }

 private:
  Device& dev() {
    if (!device_) throw std::invalid_argument("the CUDA context was disposed");
    return *device_;
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), dev().allocate(arg_size(info, 0, "byteLength"))); }

  void Free(const Napi::CallbackInfo& info) { dev().free(arg_u32(info, 0, "buffer id")); }

  void Upload(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_u32(info, 0, "buffer id");
    const uint64_t offset = arg_size(info, 1, "byteOffset");
    Napi::Uint8Array data = arg_bytes(info, 2, "data");
    dev().upload(id, offset, data.Data(), data.ByteLength());
  }

  Napi::Value Download(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_u32(info, 0, "buffer id");
    const uint64_t offset = arg_size(info, 1, "byteOffset");
    const uint64_t length = arg_size(info, 2, "byteLength");
    const DeviceBuffer& b = dev().buffer(id);  // an unknown id or a bad range fails before anything is allocated
    if (offset > b.size || length > b.size - offset) throw std::invalid_argument("download: range outside the buffer");
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), length);
    dev().download(id, offset, out.Data(), length);
    return out;
  }

  void DownloadInto(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_u32(info, 0, "buffer id");
    const uint64_t offset = arg_size(info, 1, "byteOffset");
    Napi::Uint8Array target = arg_bytes(info, 2, "target");
    dev().download(id, offset, target.Data(), target.ByteLength());
  }

  // compile(words: Uint32Array, positionCount: number, graphs: boolean): Program
  Napi::Value Compile(const Napi::CallbackInfo& info) {
    Napi::Uint32Array words = arg_words(info, 0, "program");
    const uint32_t positions = arg_u32(info, 1, "position count");
    const bool graphs = info.Length() > 2 && info[2].ToBoolean().Value();
    dev();
    auto program = std::make_unique<Program>(device_, words.Data(), words.ElementLength(), positions, graphs);
    Napi::Object obj = info.Env().GetInstanceData<AddonData>()->program.New({});
    ProgramObject::Unwrap(obj)->adopt(std::move(program));
    return obj;
  }

  void Synchronize(const Napi::CallbackInfo&) { dev().synchronize(); }

  Napi::Value DeviceInfo(const Napi::CallbackInfo& info) { return report_js(info.Env(), dev().report()); }

  Napi::Value LiveBuffers(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)dev().live_buffers()); }

  void Dispose(const Napi::CallbackInfo&) { device_.reset(); }

  std::shared_ptr<Device> device_;
};

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe));
  exports.Set("kernelNames", Napi::Function::New(env, KernelNames));
  exports.Set("hostDequantize", Napi::Function::New(env, HostDequantize));
  auto* data = new AddonData{Napi::Persistent(ProgramObject::Init(env))};
  env.SetInstanceData(data);  // deleted with the environment
  exports.Set("Program", data->program.Value());
  exports.Set("Context", Context::Init(env));
  return exports;
}

}  // namespace ix

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ix::Init(env, exports); }

NODE_API_MODULE(ix_cuda, InitAddon)
