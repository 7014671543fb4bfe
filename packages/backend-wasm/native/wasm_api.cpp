// The CPU engine (@ix/cpu-engine's native/engine.h) as a WebAssembly module: plain C exports over
// linear memory. Errors never cross the boundary as exceptions: a call that fails returns 0 / null /
// -1 and ix_error() holds the message. Sizes and offsets arrive as doubles (JS numbers) and are
// checked here, so no value wraps on the way into 32-bit wasm.
#include <cxxabi.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <typeinfo>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <pthread.h>
#endif

#include "cpu_info.h"
#include "engine.h"

#define IX_EXPORT(name) __attribute__((export_name(#name)))

namespace {

std::string g_error;

template <class T, class Fn>
T guarded(T fail, Fn&& fn) {
  try {
    g_error.clear();
    return fn();
  } catch (const std::exception& e) {
    g_error = e.what();
  } catch (...) {
    // not a std::exception: name its type; none is a foreign (JavaScript) exception from an import
    const std::type_info* t = abi::__cxa_current_exception_type();
    g_error = t ? std::string("unknown native error (") + t->name() + ")" : "unknown native error (a JavaScript exception inside the engine)";
  }
  return fail;
}

uint64_t count(double v, const char* what) {
  if (!(v >= 0) || v > 4294967296.0 || v != std::floor(v)) throw std::invalid_argument(std::string(what) + " must be an integer in 0..2^32");
  return (uint64_t)v;
}

}  // namespace

extern "C" {

IX_EXPORT(ix_error) const char* ix_error() { return g_error.c_str(); }

// comma-separated kernel tables this build runs, best first
IX_EXPORT(ix_isas) const char* ix_isas() {
  static const std::string list = [] {
    std::string s;
    for (const auto& i : ix::cpu_info().isas) s += (s.empty() ? "" : ",") + i;
    return s;
  }();
  return list.c_str();
}

// the loop shape of some SIMD128 kernels (kernels_i16_wasm.inc) for the engines made after it
IX_EXPORT(ix_wasm_compact_loops) void ix_wasm_compact_loops(int on) {
#ifdef __wasm_simd128__
  ix::set_wasm_compact_loops(on != 0);
#else
  (void)on;
#endif
}

IX_EXPORT(ix_engine_new) ix::Engine* ix_engine_new(const char* isa, int threads, int fast, int repack) {
  return guarded<ix::Engine*>(nullptr, [&] { return new ix::Engine(isa, threads, fast != 0, repack != 0); });
}

IX_EXPORT(ix_engine_delete) void ix_engine_delete(ix::Engine* e) { delete e; }

IX_EXPORT(ix_engine_threads) int ix_engine_threads(ix::Engine* e) { return e->threads(); }

IX_EXPORT(ix_allocate) uint32_t ix_allocate(ix::Engine* e, double bytes) {
  return guarded<uint32_t>(0, [&] { return e->allocate((size_t)count(bytes, "byteLength")); });
}

IX_EXPORT(ix_free) int ix_free(ix::Engine* e, uint32_t id) {
  return guarded(-1, [&] {
    e->free(id);
    return 0;
  });
}

IX_EXPORT(ix_writable) uint8_t* ix_writable(ix::Engine* e, uint32_t id, double offset, double length) {
  return guarded<uint8_t*>(nullptr, [&] { return e->writable(id, count(offset, "byteOffset"), count(length, "byteLength")); });
}

IX_EXPORT(ix_readable) const uint8_t* ix_readable(ix::Engine* e, uint32_t id, double offset, double length) {
  return guarded<const uint8_t*>(nullptr, [&] { return e->read(id, count(offset, "byteOffset"), count(length, "byteLength")); });
}

IX_EXPORT(ix_compute) int ix_compute(ix::Engine* e, const double* program, uint32_t length) {
  return guarded(-1, [&] {
    e->compute(program, length);
    return 0;
  });
}

#ifdef __EMSCRIPTEN_PTHREADS__
// The threaded module (ix_cpu_mt.wasm): the host starts a thread the C library created on one of its
// workers, whose stack is the one pthread_create allocated. which = 0: the stack's top (it grows
// down), 1: its size. Asked on the creating thread, so the worker touches no stack before its own.
IX_EXPORT(ix_thread_stack) uint32_t ix_thread_stack(pthread_t t, int which) {
  pthread_attr_t a;
  void* low = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(t, &a) != 0 || pthread_attr_getstack(&a, &low, &size) != 0) return 0;
  return which ? (uint32_t)size : (uint32_t)((uintptr_t)low + size);
}
#endif

}  // extern "C"
