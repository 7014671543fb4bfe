// The one parameter every kernel takes: up to 6 device pointers and 22 words (unsigned integers, or
// floats as their bits). src/program.ts writes them; native/program.cpp validates and fills them.
#pragma once
#include <stdint.h>

namespace ix {

constexpr int kArgPointers = 6;
constexpr int kArgWords = 22;

struct Args {
  const void* p[kArgPointers];
  uint32_t u[kArgWords];
};

}  // namespace ix
