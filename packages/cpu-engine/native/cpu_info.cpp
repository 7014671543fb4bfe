#include "cpu_info.h"

#include <cstdlib>

#include <unistd.h>
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

namespace ix {

namespace {

// the value of the first /proc/cpuinfo line starting with `key`, or ""
std::string cpuinfo_field(const char* key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        const auto first = v.find_first_not_of(" \t");
        return first == std::string::npos ? "" : v.substr(first);
      }
    }
  }
  return "";
}

// x86 names the model; ARM64 kernels give only the implementer and part numbers
std::string read_model() {
  const std::string name = cpuinfo_field("model name");
  if (!name.empty()) return name;
  const std::string impl = cpuinfo_field("CPU implementer"), part = cpuinfo_field("CPU part");
  if (!impl.empty()) return "ARM64 CPU (implementer " + impl + ", part " + part + ")";
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

#if defined(__x86_64__)
void detect_isa(CpuInfo& info) {
  __builtin_cpu_init();
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
      {"avxvnni", __builtin_cpu_supports("avxvnni")},
  };
  for (const auto& [name, on] : flags) if (on) info.features.push_back(name);
  info.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
  info.avx512 = info.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  info.avx512vnni = info.avx512 && __builtin_cpu_supports("avx512vnni");
  info.avxvnni = info.avx2 && __builtin_cpu_supports("avxvnni");
  if (info.avx512) info.isas.push_back("avx512");
  if (info.avx2) info.isas.push_back("avx2");
}
#elif defined(__aarch64__)
void detect_isa(CpuInfo& info) {
  const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
  info.neon = (hw & HWCAP_ASIMD) != 0;
  info.dotprod = info.neon && (hw & HWCAP_ASIMDDP) != 0;
#ifdef HWCAP2_I8MM
  info.i8mm = info.dotprod && (hw2 & HWCAP2_I8MM) != 0;
#else
  info.i8mm = info.dotprod && (hw2 & (1UL << 13)) != 0;  // HWCAP2_I8MM, older kernel headers
#endif
  if (info.neon) info.features.push_back("asimd");
  if (hw & HWCAP_FPHP) info.features.push_back("fphp");
  if (info.dotprod) info.features.push_back("asimddp");
  if (info.i8mm) info.features.push_back("i8mm");
  if (info.i8mm) info.isas.push_back("neon-i8mm");
  if (info.dotprod) info.isas.push_back("neon-dotprod");
  if (info.neon) info.isas.push_back("neon");
}
#elif defined(__wasm_simd128__)
// a module that instantiated at all runs SIMD128: the host checked it before loading this build
void detect_isa(CpuInfo& info) {
  info.features.push_back("simd128");
  info.isas.push_back("wasm-simd128");
}
#else
void detect_isa(CpuInfo&) {}
#endif

CpuInfo detect() {
  CpuInfo info;
  info.model = read_model();
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  info.logical_cores = online > 0 ? (int)online : (int)std::max(1u, std::thread::hardware_concurrency());
  info.physical_cores = count_physical_cores(info.logical_cores);
  detect_isa(info);
  info.isas.push_back("scalar");
  return info;
}

}  // namespace

const CpuInfo& cpu_info() {
  static const CpuInfo info = detect();
  return info;
}

const KernelTable* select_kernels(const std::string& isa) {
  const CpuInfo& cpu = cpu_info();
  if (isa == "scalar") return kernels_scalar();
  const bool known = isa == "avx512" || isa == "avx2" || isa == "neon" || isa == "neon-dotprod" || isa == "neon-i8mm" || isa == "wasm-simd128";
  if (!known) throw std::invalid_argument("unknown ISA \"" + isa + "\" (expected avx512, avx2, neon-i8mm, neon-dotprod, neon, wasm-simd128 or scalar)");
  if (std::find(cpu.isas.begin(), cpu.isas.end(), isa) == cpu.isas.end()) {
    std::string have;
    for (const auto& i : cpu.isas) have += (have.empty() ? "" : ", ") + i;
    throw std::invalid_argument("ISA " + isa + " was requested but this CPU (" + cpu.model + ") runs only " + have);
  }
#if defined(__x86_64__)
  // IX_CPU_VNNI=0 takes the table of CPUs without VNNI on one with it, for tests: AVX-512 without
  // it (Skylake-SP), AVX2 without AVX-VNNI (before Alder Lake and Zen 5)
  const char* vnni = std::getenv("IX_CPU_VNNI");
  const bool vnni_off = vnni && std::string(vnni) == "0";
  if (isa == "avx512") return cpu.avx512vnni && !vnni_off ? kernels_avx512() : kernels_avx512_novnni();
  return cpu.avxvnni && !vnni_off ? kernels_avx2_vnni() : kernels_avx2();
#elif defined(__aarch64__)
  if (isa == "neon-i8mm") return kernels_neon_i8mm();
  if (isa == "neon-dotprod") return kernels_neon_dotprod();
  return kernels_neon();
#elif defined(__wasm_simd128__)
  return kernels_wasm_simd128();
#else
  return kernels_scalar();
#endif
}

}  // namespace ix
