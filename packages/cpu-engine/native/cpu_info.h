// What the CPU offers (x86-64: CPUID via __builtin_cpu_supports; ARM64: the kernel's HWCAP bits) and
// which kernel table to use.
#pragma once
#include <string>
#include <vector>

#include "kernels.h"

namespace ix {

struct CpuInfo {
  std::string model;
  std::vector<std::string> features;  // e.g. avx512f, avx512vnni, avx2, fma, f16c; asimd, asimddp, i8mm
  int physical_cores = 1;
  int logical_cores = 1;
  bool avx512 = false;  // f + bw + vl + dq
  bool avx512vnni = false;
  bool avx2 = false;    // avx2 + fma + f16c
  bool avxvnni = false;  // AVX-VNNI: vpdpbusd on 256-bit registers without AVX-512
  bool neon = false;    // ARM64 Advanced SIMD (every ARMv8 CPU)
  bool dotprod = false;
  bool i8mm = false;
  // the kernel tables this CPU runs, best first; "scalar" always last
  std::vector<std::string> isas;
  const std::string& best_isa() const { return isas.front(); }
};

const CpuInfo& cpu_info();

// The kernel table for `isa` (one of ISA_NAMES); throws when the CPU lacks it.
const KernelTable* select_kernels(const std::string& isa);

}  // namespace ix
