// The SPIR-V modules embedded at build time (generated shader_table.cpp, see cmake/embed_spirv.cmake).
#pragma once
#include <cstddef>

namespace ix {

struct ShaderEntry {
  const char* name;
  const unsigned char* spirv;
  size_t bytes;
  /** storage buffers at set 0, bindings 0..n-1 */
  unsigned bindings;
};

extern const ShaderEntry kShaders[];
extern const size_t kShaderCount;

}  // namespace ix
