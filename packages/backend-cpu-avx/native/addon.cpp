// Node-API surface: cpuInfo() and the Context class (thread pool + kernels + buffers).
// C++ exceptions become JS errors (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
#include <ix/napi_args.h>
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "buffers.h"
#include "cpu_info.h"
#include "op_profile.h"
#include "ops.h"
#include "program.h"
#include "thread_pool.h"

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

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Context",
                       {InstanceMethod("allocate", &Context::Allocate), InstanceMethod("free", &Context::Free),
                        InstanceMethod("upload", &Context::Upload), InstanceMethod("download", &Context::Download),
                        InstanceMethod("downloadInto", &Context::DownloadInto),
                        InstanceMethod("mapFile", &Context::MapFile), InstanceMethod("madvise", &Context::Madvise),
                        InstanceMethod("compute", &Context::Compute), InstanceMethod("dispose", &Context::Dispose),
                        InstanceMethod("setExpertBudget", &Context::SetExpertBudget), InstanceMethod("expertStats", &Context::ExpertStatsJs)});
  }

  // new Context(isa: string, threads: number, fast: boolean, repack?: boolean (default true))
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    const std::string isa = arg_string(info, 0, "isa");
    const uint64_t threads = arg_size(info, 1, "threads");
    if (threads < 1 || threads > 1024) throw std::invalid_argument("threads must be in 1..1024, got " + std::to_string(threads));
    if (info.Length() < 3 || !info[2].IsBoolean()) throw std::invalid_argument("fast must be a boolean");
    kernels_ = select_kernels(isa);
    fast_ = info[2].As<Napi::Boolean>().Value();
    if (info.Length() >= 4 && !info[3].IsUndefined()) {
      if (!info[3].IsBoolean()) throw std::invalid_argument("repack must be a boolean");
      repack_on_ = info[3].As<Napi::Boolean>().Value();
    }
    pool_ = std::make_unique<ThreadPool>((int)threads);
    buffers_ = std::make_unique<BufferTable>();
  }

 private:
  void alive() const {
    if (!pool_) throw std::invalid_argument("backend context was disposed");
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    alive();
    return Napi::Number::New(info.Env(), buffers_->allocate((size_t)arg_size(info, 0, "byteLength")));
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    alive();
    const uint32_t id = arg_id(info, 0);
    buffers_->free(id);
    repack_.forget(id);
    experts_.forget(id);
    return info.Env().Undefined();
  }

  // upload(id, byteOffset, Uint8Array)
  Napi::Value Upload(const Napi::CallbackInfo& info) {
    alive();
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset");
    if (info.Length() < 3 || !info[2].IsTypedArray()) throw std::invalid_argument("data must be a Uint8Array");
    Napi::TypedArray ta = info[2].As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint8_array) throw std::invalid_argument("data must be a Uint8Array");
    Napi::Uint8Array data = ta.As<Napi::Uint8Array>();
    uint8_t* dst = buffers_->checked(id, off, data.ByteLength(), true);
    if (data.ByteLength()) std::memcpy(dst, data.Data(), data.ByteLength());
    return info.Env().Undefined();
  }

  // download(id, byteOffset, byteLength) -> Uint8Array (a copy)
  Napi::Value Download(const Napi::CallbackInfo& info) {
    alive();
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    const uint8_t* src = buffers_->checked(id, off, len, false);
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), (size_t)len);
    if (len) std::memcpy(ab.Data(), src, (size_t)len);
    return Napi::Uint8Array::New(info.Env(), (size_t)len, ab, 0);
  }

  // downloadInto(id, byteOffset, target: Uint8Array): copies target.byteLength bytes into the caller's
  // memory (no allocation per call: the runtime reuses one logits array from step to step)
  Napi::Value DownloadInto(const Napi::CallbackInfo& info) {
    alive();
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset");
    if (info.Length() < 3 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(info.Env(), "downloadInto: target must be a Uint8Array");
    }
    Napi::Uint8Array target = info[2].As<Napi::Uint8Array>();
    const uint8_t* src = buffers_->checked(id, off, target.ByteLength(), false);
    if (target.ByteLength()) std::memcpy(target.Data(), src, target.ByteLength());
    return info.Env().Undefined();
  }

  // mapFile(path, byteOffset, byteLength) -> id of a read-only MAP_SHARED mapping
  Napi::Value MapFile(const Napi::CallbackInfo& info) {
    alive();
    const std::string path = arg_string(info, 0, "path");
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    return Napi::Number::New(info.Env(), buffers_->map_file(path, off, len));
  }

  // madvise(id, byteOffset, byteLength, 'willneed' | 'dontneed')
  Napi::Value Madvise(const Napi::CallbackInfo& info) {
    alive();
    const uint32_t id = arg_id(info, 0);
    const uint64_t off = arg_size(info, 1, "byteOffset"), len = arg_size(info, 2, "byteLength");
    const std::string advice = arg_string(info, 3, "advice");
    if (advice != "willneed" && advice != "dontneed") throw std::invalid_argument("advice must be 'willneed' or 'dontneed', got '" + advice + "'");
    buffers_->advise(id, off, len, advice == "willneed" ? Advice::WillNeed : Advice::DontNeed);
    return info.Env().Undefined();
  }

  // compute(Float64Array program): runs every node of a split, in order, in this one call
  Napi::Value Compute(const Napi::CallbackInfo& info) {
    alive();
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw std::invalid_argument("program must be a Float64Array");
    }
    Napi::Float64Array prog = info[0].As<Napi::Float64Array>();
    const std::vector<Node> nodes = decode_program(prog.Data(), prog.ElementLength(), *buffers_);
    // nothing quantized is kept from an earlier call: buffers may have been uploaded to since
    QuantizedActs acts{acts_};
    ExecCtx ctx{*pool_, kernels_, fast_, scratch_, repack_on_ ? &repack_ : nullptr, acts, routed_, experts_, nodes, 0};
    for (; ctx.at < nodes.size(); ++ctx.at) {
      const Node& n = nodes[ctx.at];
      if (profile_.on()) profile_.time(n, [&] { run_node(ctx, n); });
      else run_node(ctx, n);
      acts.forget_if_written(n.t[0]);
    }
    return info.Env().Undefined();
  }

  // setExpertBudget(bytes): experts of file-mapped MoE tensors kept resident within it (0: no budget)
  Napi::Value SetExpertBudget(const Napi::CallbackInfo& info) {
    alive();
    experts_.set_budget(arg_size(info, 0, "bytes"));
    return info.Env().Undefined();
  }

  // expertStats(): { resident, budget, tensors: [[bufferId, hits, misses, bytesRead], ...] }
  Napi::Value ExpertStatsJs(const Napi::CallbackInfo& info) {
    alive();
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("resident", Napi::Number::New(env, (double)experts_.resident()));
    out.Set("budget", Napi::Number::New(env, (double)experts_.budget()));
    Napi::Array rows = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& [id, s] : experts_.stats()) {
      Napi::Array row = Napi::Array::New(env, 4);
      row.Set(0u, Napi::Number::New(env, id));
      row.Set(1u, Napi::Number::New(env, (double)s.hits));
      row.Set(2u, Napi::Number::New(env, (double)s.misses));
      row.Set(3u, Napi::Number::New(env, (double)s.bytes_read));
      rows.Set(i++, row);
    }
    out.Set("tensors", rows);
    return out;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    profile_.print();
    repack_.clear();
    experts_.clear();
    pool_.reset();
    buffers_.reset();
    std::vector<uint8_t>().swap(scratch_);
    std::vector<uint8_t>().swap(acts_);
    std::vector<float>().swap(routed_);
    return info.Env().Undefined();
  }

  const KernelTable* kernels_ = nullptr;
  bool fast_ = false;
  bool repack_on_ = true;  // weights repacked for the integer and FMA kernels (off: file layout, for comparisons)
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<BufferTable> buffers_;
  std::vector<uint8_t> scratch_;
  std::vector<uint8_t> acts_;  // QuantizedActs' bytes, reused from call to call
  std::vector<float> routed_;  // mul_mat_id's rows grouped by expert
  OpProfile profile_;
  RepackCache repack_;
  ExpertCache experts_;
};

}  // namespace

}  // namespace ix

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuInfo", Napi::Function::New(env, ix::CpuInfoJs));
  exports.Set("Context", ix::Context::Init(env));
  return exports;
}

NODE_API_MODULE(ix_cpu_avx, InitModule)
