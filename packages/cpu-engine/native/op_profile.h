// Optional per-op timing (IX_CPU_PROFILE=1): wall time and call count per op (matmuls per weight
// type and row count class), printed to stderr when the context is disposed. For finding where a
// step's time goes without perf; off by default, when it costs one branch per node.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "program.h"

namespace ix {

class OpProfile {
 public:
  OpProfile() : on_(std::getenv("IX_CPU_PROFILE") && std::string(std::getenv("IX_CPU_PROFILE")) == "1") {}
  ~OpProfile() { print(); }
  bool on() const { return on_; }

  template <class Fn> void time(const Node& n, Fn&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    Entry& e = entries_[key(n)];
    e.us += us;
    e.calls += 1;
  }

  void print() {
    if (entries_.empty()) return;
    double total = 0;
    for (auto& kv : entries_) total += kv.second.us;
    std::fprintf(stderr, "cpu-avx op profile (%.1f ms in all)\n", total / 1000);
    for (auto& kv : entries_) {
      std::fprintf(stderr, "  %-28s %8lld calls %10.1f ms %5.1f%%\n", kv.first.c_str(), (long long)kv.second.calls, kv.second.us / 1000,
                   100 * kv.second.us / total);
    }
    entries_.clear();
  }

 private:
  struct Entry {
    double us = 0;
    long long calls = 0;
  };
  static std::string key(const Node& n) {
    std::string k = op_name(n.op);
    if (n.op == OP_MATMUL && n.t.size() == 3) {
      k += std::string(" ") + dtype_name(n.t[2].dtype) + (n.t[1].rows() <= 2 ? " vec" : " mat");
    }
    if (n.op == OP_MUL_MAT_ID && n.t.size() == 4) {  // decode (one token's experts) apart from prefill
      k += std::string(" ") + dtype_name(n.t[2].dtype) + (n.t[3].rows() <= 2 ? " vec" : " mat");
    }
    return k;
  }
  bool on_;
  std::map<std::string, Entry> entries_;
};

}  // namespace ix
