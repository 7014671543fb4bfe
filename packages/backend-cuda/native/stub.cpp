// Built instead of the real addon when nvcc or the CUDA headers were missing at build time:
// probe() says so, and the package reports itself unavailable.
#include <napi.h>

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("stubReason", Napi::String::New(env, IX_CUDA_STUB_REASON));
  return exports;
}

}  // namespace

NODE_API_MODULE(ix_cuda, Init)
