#include "engine.h"

#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdexcept>

#include "cpu_info.h"
#include "ops.h"
#include "program.h"

namespace ix {

Engine::Engine(const std::string& isa, int threads, bool fast, bool repack) {
  if (threads < 1 || threads > 1024) throw std::invalid_argument("threads must be in 1..1024, got " + std::to_string(threads));
  kernels_ = select_kernels(isa);
  fast_ = fast;
  repack_on_ = repack;
  pool_ = std::make_unique<ThreadPool>(threads);
  buffers_ = std::make_unique<BufferTable>();
}

Engine::~Engine() { dispose(); }

void Engine::alive() const {
  if (!pool_) throw std::invalid_argument("backend context was disposed");
}

uint32_t Engine::allocate(size_t bytes) {
  alive();
  return buffers_->allocate(bytes);
}

void Engine::free(uint32_t id) {
  alive();
  buffers_->free(id);
  repack_.forget(id);
  experts_.forget(id);
}

void Engine::upload(uint32_t id, uint64_t offset, const uint8_t* data, size_t length) {
  alive();
  uint8_t* dst = buffers_->checked(id, offset, length, true);
  if (length) std::memcpy(dst, data, length);
}

const uint8_t* Engine::read(uint32_t id, uint64_t offset, uint64_t length) const {
  alive();
  return buffers_->checked(id, offset, length, false);
}

uint8_t* Engine::writable(uint32_t id, uint64_t offset, uint64_t length) {
  alive();
  return buffers_->checked(id, offset, length, true);
}

uint32_t Engine::map_file(const std::string& path, uint64_t offset, uint64_t length) {
  alive();
  return buffers_->map_file(path, offset, length);
}

void Engine::advise(uint32_t id, uint64_t offset, uint64_t length, Advice advice) {
  alive();
  buffers_->advise(id, offset, length, advice);
}

void Engine::release(uint32_t id) {
  alive();
  const Buffer& b = buffers_->get(id);
  repack_.forget(id);
  if (b.readonly && b.size) buffers_->advise(id, 0, b.size, Advice::DontNeed);
#ifdef __GLIBC__
  // a repacked copy below glibc's mmap threshold went back to the heap: return its pages to the OS
  malloc_trim(0);
#endif
}

void Engine::compute(const double* program, size_t length) {
  alive();
  const std::vector<Node> nodes = decode_program(program, length, *buffers_);
  // nothing quantized is kept from an earlier call: buffers may have been uploaded to since
  QuantizedActs acts{acts_};
  ExecCtx ctx{*pool_, kernels_, fast_, scratch_, repack_on_ ? &repack_ : nullptr, acts, routed_, experts_, nodes, 0};
  for (; ctx.at < nodes.size(); ++ctx.at) {
    const Node& n = nodes[ctx.at];
    if (profile_.on()) profile_.time(n, [&] { run_node(ctx, n); });
    else run_node(ctx, n);
    acts.forget_if_written(n.t[0]);
  }
}

void Engine::set_expert_budget(uint64_t bytes) {
  alive();
  experts_.set_budget(bytes);
}

uint64_t Engine::expert_resident() const { return experts_.resident(); }
uint64_t Engine::expert_budget() const { return experts_.budget(); }

std::vector<ExpertTensorStats> Engine::expert_stats() const {
  std::vector<ExpertTensorStats> out;
  for (const auto& [id, s] : experts_.stats()) out.push_back({id, s.hits, s.misses, s.bytes_read});
  return out;
}

void Engine::dispose() {
  if (!pool_) return;
  profile_.print();
  repack_.clear();
  experts_.clear();
  pool_.reset();
  buffers_.reset();
  std::vector<uint8_t>().swap(scratch_);
  std::vector<uint8_t>().swap(acts_);
  std::vector<float>().swap(routed_);
}

}  // namespace ix
