#include "cpu_info.h"

#include <cstdlib>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

namespace ix {

namespace {

std::string read_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        const auto first = v.find_first_not_of(" \t");
        return first == std::string::npos ? "unknown CPU" : v.substr(first);
      }
    }
  }
  return "unknown CPU";
}

// distinct (package, core) pairs from sysfs; falls back to the logical count
int count_physical_cores(int logical) {
  std::set<std::pair<std::string, std::string>> cores;
  for (int cpu = 0; cpu < 4096; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core(base + "core_id"), pkg(base + "physical_package_id");
    if (!core) {
      if (cpu >= logical) break;
      continue;
    }
    std::string c, p;
    core >> c;
    pkg >> p;
    cores.insert({p, c});
  }
  return cores.empty() ? logical : (int)cores.size();
}

CpuInfo detect() {
  __builtin_cpu_init();
  CpuInfo info;
  info.model = read_model();
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  info.logical_cores = online > 0 ? (int)online : (int)std::max(1u, std::thread::hardware_concurrency());
  info.physical_cores = count_physical_cores(info.logical_cores);
  const std::pair<const char*, bool> flags[] = {
      {"sse4.2", __builtin_cpu_supports("sse4.2")},
      {"avx", __builtin_cpu_supports("avx")},
      {"avx2", __builtin_cpu_supports("avx2")},
      {"fma", __builtin_cpu_supports("fma")},
      {"f16c", __builtin_cpu_supports("f16c")},
      {"bmi2", __builtin_cpu_supports("bmi2")},
      {"avx512f", __builtin_cpu_supports("avx512f")},
      {"avx512bw", __builtin_cpu_supports("avx512bw")},
      {"avx512vl", __builtin_cpu_supports("avx512vl")},
      {"avx512dq", __builtin_cpu_supports("avx512dq")},
      {"avx512vnni", __builtin_cpu_supports("avx512vnni")},
      {"avx512bf16", __builtin_cpu_supports("avx512bf16")},
  };
  for (const auto& [name, on] : flags) if (on) info.features.push_back(name);
  info.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
  info.avx512 = info.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  info.avx512vnni = info.avx512 && __builtin_cpu_supports("avx512vnni");
  return info;
}

}  // namespace

const CpuInfo& cpu_info() {
  static const CpuInfo info = detect();
  return info;
}

const KernelTable* select_kernels(const std::string& isa) {
  const CpuInfo& cpu = cpu_info();
  if (isa == "avx512") {
    if (!cpu.avx512) throw std::invalid_argument("ISA avx512 was requested but this CPU lacks AVX-512 F/BW/VL/DQ (" + cpu.model + ")");
    // IX_CPU_VNNI=0 takes the table of AVX-512 CPUs without VNNI (Skylake-SP) on one with it, for tests
    const char* vnni = std::getenv("IX_CPU_VNNI");
    return cpu.avx512vnni && !(vnni && std::string(vnni) == "0") ? kernels_avx512() : kernels_avx512_novnni();
  }
  if (isa == "avx2") {
    if (!cpu.avx2) throw std::invalid_argument("ISA avx2 was requested but this CPU lacks AVX2/FMA/F16C (" + cpu.model + ")");
    return kernels_avx2();
  }
  if (isa == "scalar") return kernels_scalar();
  throw std::invalid_argument("unknown ISA \"" + isa + "\" (expected avx512, avx2 or scalar)");
}

}  // namespace ix
