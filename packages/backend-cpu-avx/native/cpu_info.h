// What the CPU offers (CPUID via __builtin_cpu_supports) and which kernel table to use.
#pragma once
#include <string>
#include <vector>

#include "kernels.h"

namespace ix {

struct CpuInfo {
  std::string model;
  std::vector<std::string> features;  // e.g. avx512f, avx512vnni, avx2, fma, f16c
  int physical_cores = 1;
  int logical_cores = 1;
  bool avx512 = false;  // f + bw + vl + dq
  bool avx512vnni = false;
  bool avx2 = false;    // avx2 + fma + f16c
  std::string best_isa() const { return avx512 ? "avx512" : avx2 ? "avx2" : "scalar"; }
};

const CpuInfo& cpu_info();

// The kernel table for `isa` ("avx512" | "avx2" | "scalar"); throws when the CPU lacks it.
const KernelTable* select_kernels(const std::string& isa);

}  // namespace ix
