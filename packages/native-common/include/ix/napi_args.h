// Checked access to Node-API call arguments, shared by the backends' addons: every value from
// JavaScript is validated before native code uses it, and a bad one becomes a std::invalid_argument
// (a JS Error with NODE_ADDON_API_CPP_EXCEPTIONS_ALL) naming the argument.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ix {

/** A non-negative integer up to 2^53 - 1 (sizes, offsets, ids). */
inline uint64_t arg_size(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) throw std::invalid_argument(std::string(what) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v < 0 || v != std::floor(v) || v > 9007199254740991.0) {
    throw std::invalid_argument(std::string(what) + " must be a non-negative integer, got " + std::to_string(v));
  }
  return (uint64_t)v;
}

/** A non-negative integer that fits 32 bits. */
inline uint32_t arg_u32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const uint64_t v = arg_size(info, i, what);
  if (v > 0xffffffffULL) throw std::invalid_argument(std::string(what) + " is too large");
  return (uint32_t)v;
}

inline std::string arg_string(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw std::invalid_argument(std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

/** A typed array of exactly the given element type. */
template <class Array>
inline Array arg_typed(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* what, const char* type_name) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw std::invalid_argument(std::string(what) + " must be a " + type_name);
  }
  return info[i].As<Array>();
}

inline Napi::Uint8Array arg_bytes(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return arg_typed<Napi::Uint8Array>(info, i, napi_uint8_array, what, "Uint8Array");
}

inline Napi::Uint32Array arg_words(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return arg_typed<Napi::Uint32Array>(info, i, napi_uint32_array, what, "Uint32Array");
}

}  // namespace ix
