// Built instead of the real addon when Vulkan headers or glslc were missing at build time:
// probe() says so, and the package reports itself unavailable.
#include <napi.h>

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("stubReason", Napi::String::New(env, IX_VULKAN_STUB_REASON));
  return exports;
}

}  // namespace

NODE_API_MODULE(ix_vulkan, Init)
