// Node-API surface of the CPU engine (@ix/cpu-engine's native/engine.h): cpuInfo(), readBandwidth()
// and the Context class, one Engine each. C++ exceptions become JS errors (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
#include <ix/napi_args.h>
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "cpu_info.h"
#include "engine.h"
#include "read_bandwidth.h"

namespace ix {

namespace {

uint32_t arg_id(const Napi::CallbackInfo& info, size_t i) {
  const uint64_t v = arg_size(info, i, "buffer id");
  if (v == 0 || v > 0xffffffffULL) throw std::invalid_argument("invalid buffer id " + std::to_string(v));
  return (uint32_t)v;
}

Napi::Value CpuInfoJs(const Napi::CallbackInfo& info) {
  const CpuInfo& cpu = cpu_info();
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("model", cpu.model);
  Napi::Array f = Napi::Array::New(env, cpu.features.size());
  for (size_t i = 0; i < cpu.features.size(); ++i) f.Set((uint32_t)i, cpu.features[i]);
  o.Set("features", f);
  o.Set("physicalCores", cpu.physical_cores);
  o.Set("logicalCores", cpu.logical_cores);
  o.Set("bestIsa", cpu.best_isa());
  Napi::Array isas = Napi::Array::New(env);
  for (size_t i = 0; i < cpu.isas.size(); ++i) isas.Set((uint32_t)i, cpu.isas[i]);
  o.Set("isas", isas);
  return o;
}

// readBandwidth(bytes, threads, runs) -> bytes per second (read_bandwidth.h)
Napi::Value ReadBandwidthJs(const Napi::CallbackInfo& info) {
  const uint64_t bytes = arg_size(info, 0, "bytes"), threads = arg_size(info, 1, "threads"), runs = arg_size(info, 2, "runs");
  if (threads > 1024 || runs > 1000) throw std::invalid_argument("threads must be in 1..1024 and runs in 1..1000");
  return Napi::Number::New(info.Env(), read_bandwidth((size_t)bytes, (int)threads, (int)runs));
}

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Context",
                       {InstanceMethod("allocate", &Context::Allocate), InstanceMethod("free", &Context::Free),
                        InstanceMethod("upload", &Context::Upload), InstanceMethod("download", &Context::Download),
                        InstanceMethod("downloadInto", &Context::DownloadInto),
                        InstanceMethod("mapFile", &Context::MapFile), InstanceMethod("madvise", &Context::Madvise),
                        InstanceMethod("release", &Context::Release),
                        InstanceMethod("compute", &Context::Compute), InstanceMethod("dispose", &Context::Dispose),
                        InstanceMethod("setExpertBudget", &Context::SetExpertBudget), InstanceMethod("expertStats", &Context::ExpertStatsJs)});
  }

  // new Context(isa: string, threads: number, fast: boolean, repack?: boolean (default true))
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    const std::string isa = arg_string(info, 0, "isa");
    const uint64_t threads = arg_size(info, 1, "threads");
    if (threads < 1 || threads > 1024) throw std::invalid_argument("threads must be in 1..1024, got " + std::to_string(threads));
    if (info.Length() < 3 || !info[2].IsBoolean()) throw std::invalid_argument("fast must be a boolean");
    bool repack = true;
    if (info.Length() >= 4 && !info[3].IsUndefined()) {
      if (!info[3].IsBoolean()) throw std::invalid_argument("repack must be a boolean");
      repack = info[3].As<Napi::Boolean>().Value();
    }
    engine_ = std::make_unique<Engine>(isa, (int)threads, info[2].As<Napi::Boolean>().Value(), repack);
  }

 private:
  Engine& engine() const {
    if (!engine_) throw std::invalid_argument("backend context was disposed");
    return *engine_;
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine().allocate((size_t)arg_size(info, 0, "byteLength")));
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    engine().free(arg_id(info, 0));
    return info.Env().Undefined();
  }

  // upload(id, byteOffset, Uint8Array)
  Napi::Value Upload(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset");
    if (info.Length() < 3 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw std::invalid_argument("data must be a Uint8Array");
    }
    Napi::Uint8Array data = info[2].As<Napi::Uint8Array>();
    engine().upload(id, off, data.Data(), data.ByteLength());
    return info.Env().Undefined();
  }

  // download(id, byteOffset, byteLength) -> Uint8Array (a copy)
  Napi::Value Download(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    const uint8_t* src = engine().read(id, off, len);
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), (size_t)len);
    if (len) std::memcpy(ab.Data(), src, (size_t)len);
    return Napi::Uint8Array::New(info.Env(), (size_t)len, ab, 0);
  }

  // downloadInto(id, byteOffset, target: Uint8Array): copies target.byteLength bytes into the caller's
  // memory (no allocation per call: the runtime reuses one logits array from step to step)
  Napi::Value DownloadInto(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset");
    if (info.Length() < 3 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(info.Env(), "downloadInto: target must be a Uint8Array");
    }
    Napi::Uint8Array target = info[2].As<Napi::Uint8Array>();
    const uint8_t* src = engine().read(id, off, target.ByteLength());
    if (target.ByteLength()) std::memcpy(target.Data(), src, target.ByteLength());
    return info.Env().Undefined();
  }

  // mapFile(path, byteOffset, byteLength) -> id of a read-only MAP_SHARED mapping
  Napi::Value MapFile(const Napi::CallbackInfo& info) {
    const std::string path = arg_string(info, 0, "path");
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    return Napi::Number::New(info.Env(), engine().map_file(path, off, len));
  }

  // madvise(id, byteOffset, byteLength, 'willneed' | 'dontneed')
  Napi::Value Madvise(const Napi::CallbackInfo& info) {
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    const std::string advice = arg_string(info, 3, "advice");
    if (advice != "willneed" && advice != "dontneed") throw std::invalid_argument("advice must be 'willneed' or 'dontneed', got '" + advice + "'");
    engine().advise(id, off, len, advice == "willneed" ? Advice::WillNeed : Advice::DontNeed);
    return info.Env().Undefined();
  }

  // release(id): the weight's repacked copy and resident file pages given back (Engine::release)
  Napi::Value Release(const Napi::CallbackInfo& info) {
    engine().release(arg_id(info, 0));
    return info.Env().Undefined();
  }

  // compute(Float64Array program): runs every node of a split, in order, in this one call
  Napi::Value Compute(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw std::invalid_argument("program must be a Float64Array");
    }
    Napi::Float64Array prog = info[0].As<Napi::Float64Array>();
    engine().compute(prog.Data(), prog.ElementLength());
    return info.Env().Undefined();
  }

  // setExpertBudget(bytes): experts of file-mapped MoE tensors kept resident within it (0: no budget)
  Napi::Value SetExpertBudget(const Napi::CallbackInfo& info) {
    engine().set_expert_budget(arg_size(info, 0, "bytes"));
    return info.Env().Undefined();
  }

  // expertStats(): { resident, budget, tensors: [[bufferId, hits, misses, bytesRead], ...] }
  Napi::Value ExpertStatsJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Engine& e = engine();
    Napi::Object out = Napi::Object::New(env);
    out.Set("resident", Napi::Number::New(env, (double)e.expert_resident()));
    out.Set("budget", Napi::Number::New(env, (double)e.expert_budget()));
    Napi::Array rows = Napi::Array::New(env);
    uint32_t i = 0;
    for (const ExpertTensorStats& s : e.expert_stats()) {
      Napi::Array row = Napi::Array::New(env, 4);
      row.Set(0u, Napi::Number::New(env, s.buffer));
      row.Set(1u, Napi::Number::New(env, (double)s.hits));
      row.Set(2u, Napi::Number::New(env, (double)s.misses));
      row.Set(3u, Napi::Number::New(env, (double)s.bytes_read));
      rows.Set(i++, row);
    }
    out.Set("tensors", rows);
    return out;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    engine_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<Engine> engine_;
};

}  // namespace

}  // namespace ix

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuInfo", Napi::Function::New(env, ix::CpuInfoJs));
  exports.Set("readBandwidth", Napi::Function::New(env, ix::ReadBandwidthJs));
  exports.Set("Context", ix::Context::Init(env));
  return exports;
}

NODE_API_MODULE(ix_cpu_avx, InitModule)
