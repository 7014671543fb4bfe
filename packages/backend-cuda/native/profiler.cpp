#include "profiler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace ix {

namespace {

struct Entry {
  double ms = 0;
  uint64_t count = 0;
};

/** The table, printed by its destructor when the addon is unloaded at exit. */
struct Table {
  std::mutex mu;
  std::map<std::string, Entry> entries;
  ~Table() {
    if (entries.empty()) return;
    std::vector<std::pair<std::string, Entry>> rows(entries.begin(), entries.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
    double total = 0;
    for (const auto& r : rows) total += r.second.ms;
    std::fprintf(stderr, "\n[ix cuda profile] %.3f ms of GPU time in %zu kernel/grid kinds\n", total, rows.size());
    std::fprintf(stderr, "%10s %6s %10s %10s  %s\n", "total ms", "share", "launches", "us each", "kernel grid");
    for (const auto& [key, e] : rows) {
      std::fprintf(stderr, "%10.3f %5.1f%% %10llu %10.2f  %s\n", e.ms, 100.0 * e.ms / total, (unsigned long long)e.count,
                   1000.0 * e.ms / (double)e.count, key.c_str());
    }
  }
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

bool profiling_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("IX_CUDA_PROFILE");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

void profile_record(const std::string& key, float ms) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  Entry& e = t.entries[key];
  e.ms += ms;
  e.count++;
}

}  // namespace ix
