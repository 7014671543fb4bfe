#include "program.h"

#include "kernel_table.h"
#include "profiler.h"

#include <algorithm>
#include <string>

namespace ix {

namespace {

struct Reader {
  const uint32_t* w;
  size_t n, at = 0;
  uint32_t next(const char* what) {
    if (at >= n) throw std::invalid_argument(std::string("cuda program: truncated at ") + what);
    return w[at++];
  }
  uint64_t next64(const char* what) {
    const uint64_t lo = next(what);
    return lo | ((uint64_t)next(what) << 32);
  }
};

constexpr unsigned kMaxBlock = 1024, kMaxShared = 48 * 1024;
constexpr uint64_t kMaxScratch = 1ull << 30;

}  // namespace

Program::Program(std::shared_ptr<Device> device, const uint32_t* words, size_t count, uint32_t positionCount, bool graphs)
    : device_(std::move(device)), positionCount_(positionCount), graphs_(graphs && !profiling_enabled()) {
  Device& dev = *device_;
  dev.bind();
  if (positionCount_ > 0) cu_check(dev.api(), dev.api().cuMemAlloc(&positions_, positionCount_ * 4), "cuMemAlloc (positions)");
  struct Fixup {
    size_t launch;
    uint32_t slot;
    uint64_t offset;
  };
  std::vector<Fixup> fixups;  // scratch pointers, set once the scratch is allocated
  uint64_t scratchBytes = 0;
  try {
    Reader r{words, count};
    const uint32_t n = r.next("launch count");
    launches_.reserve(std::min<size_t>(n, (count - r.at) / 9));  // a launch takes 9 words or more: a count can lie
    for (uint32_t i = 0; i < n; ++i) {
      Launch l{};
      l.kernel = r.next("kernel");
      l.fn = dev.function(l.kernel);
      for (unsigned& g : l.grid) g = r.next("grid");
      l.block = r.next("block");
      l.shared = r.next("shared bytes");
      if (l.grid[0] == 0 || l.grid[0] > 0x7fffffffu || l.grid[1] == 0 || l.grid[1] > 65535 || l.grid[2] == 0 || l.grid[2] > 65535) {
        throw std::invalid_argument("cuda program: launch " + std::to_string(i) + " has grid " + std::to_string(l.grid[0]) + "x" + std::to_string(l.grid[1]) + "x" + std::to_string(l.grid[2]));
      }
      if (l.block == 0 || l.block > kMaxBlock || l.block % 32 != 0) throw std::invalid_argument("cuda program: bad block size " + std::to_string(l.block));
      if (l.shared > kMaxShared) throw std::invalid_argument("cuda program: too much shared memory");
      const uint32_t np = r.next("pointer count");
      if (np > kArgPointers) throw std::invalid_argument("cuda program: too many pointers");
      for (uint32_t p = 0; p < np; ++p) {
        const uint32_t kind = r.next("pointer kind"), id = r.next("buffer id");
        const uint64_t offset = r.next64("offset"), bytes = r.next64("bytes");
        if (kind == 0) {
          l.args.p[p] = nullptr;
        } else if (kind == 1) {
          const DeviceBuffer& b = dev.buffer(id);
          if (offset > b.size || bytes > b.size - offset) {
            throw std::invalid_argument("cuda program: launch " + std::to_string(i) + " reads bytes " + std::to_string(offset) + ".." + std::to_string(offset + bytes) + " of a buffer of " + std::to_string(b.size));
          }
          l.args.p[p] = reinterpret_cast<const void*>(b.ptr + offset);
          if (std::find(buffers_.begin(), buffers_.end(), id) == buffers_.end()) buffers_.push_back(id);
        } else if (kind == 2) {
          if ((uint64_t)id + 2 > positionCount_) throw std::invalid_argument("cuda program: position index out of range");
          l.args.p[p] = reinterpret_cast<const void*>(positions_);
        } else if (kind == 3) {
          if (offset > kMaxScratch || bytes > kMaxScratch - offset) throw std::invalid_argument("cuda program: scratch range over 1 GiB");
          scratchBytes = std::max(scratchBytes, offset + bytes);
          fixups.push_back({launches_.size(), p, offset});
        } else {
          throw std::invalid_argument("cuda program: unknown pointer kind " + std::to_string(kind));
        }
      }
      const uint32_t nw = r.next("word count");
      if (nw > kArgWords) throw std::invalid_argument("cuda program: too many words");
      for (uint32_t k = 0; k < nw; ++k) l.args.u[k] = r.next("word");
      launches_.push_back(l);
    }
    if (r.at != count) throw std::invalid_argument("cuda program: trailing words");
    if (scratchBytes > 0) {
      cu_check(dev.api(), dev.api().cuMemAlloc(&scratch_, scratchBytes), "cuMemAlloc (scratch)");
      for (const Fixup& f : fixups) launches_[f.launch].args.p[f.slot] = reinterpret_cast<const void*>(scratch_ + f.offset);
    }
  } catch (...) {
    if (positions_) dev.api().cuMemFree(positions_);
    if (scratch_) dev.api().cuMemFree(scratch_);
    throw;
  }
}

Program::~Program() {
  const CudaApi& api = device_->api();
  device_->bind();
  api.cuStreamSynchronize(device_->stream());
  if (exec_) api.cuGraphExecDestroy(exec_);
  for (CUevent e : events_) api.cuEventDestroy(e);
  if (positions_) api.cuMemFree(positions_);
  if (scratch_) api.cuMemFree(scratch_);
}

void Program::launch_all() {
  const CudaApi& api = device_->api();
  for (Launch& l : launches_) {
    void* params[] = {&l.args};
    cu_check(api, api.cuLaunchKernel(l.fn, l.grid[0], l.grid[1], l.grid[2], l.block, 1, 1, l.shared, device_->stream(), params, nullptr), "cuLaunchKernel");
  }
}

void Program::launch_all_timed() {
  const CudaApi& api = device_->api();
  if (!api.cuEventCreate || !api.cuEventRecord || !api.cuEventSynchronize || !api.cuEventElapsedTime || !api.cuEventDestroy) {
    throw std::runtime_error("IX_CUDA_PROFILE: this NVIDIA driver lacks the event functions profiling needs");
  }
  while (events_.size() < launches_.size() + 1) {
    CUevent e = nullptr;
    cu_check(api, api.cuEventCreate(&e, CU_EVENT_DEFAULT), "cuEventCreate");
    events_.push_back(e);
  }
  cu_check(api, api.cuEventRecord(events_[0], device_->stream()), "cuEventRecord");
  for (size_t i = 0; i < launches_.size(); ++i) {
    Launch& l = launches_[i];
    void* params[] = {&l.args};
    cu_check(api, api.cuLaunchKernel(l.fn, l.grid[0], l.grid[1], l.grid[2], l.block, 1, 1, l.shared, device_->stream(), params, nullptr), "cuLaunchKernel");
    cu_check(api, api.cuEventRecord(events_[i + 1], device_->stream()), "cuEventRecord");
  }
  cu_check(api, api.cuEventSynchronize(events_[launches_.size()]), "cuEventSynchronize");
  for (size_t i = 0; i < launches_.size(); ++i) {
    float ms = 0;
    cu_check(api, api.cuEventElapsedTime(&ms, events_[i], events_[i + 1]), "cuEventElapsedTime");
    const Launch& l = launches_[i];
    const char* name = l.kernel < kKernelCount ? kKernelNames[l.kernel] : "?";
    profile_record(std::string(name) + " " + std::to_string(l.grid[0]) + "x" + std::to_string(l.grid[1]) + "x" + std::to_string(l.block), ms);
  }
}

void Program::run(const uint32_t* positions, size_t count) {
  if (count != positionCount_) throw std::invalid_argument("cuda program: expected " + std::to_string(positionCount_) + " position words, got " + std::to_string(count));
  for (uint32_t id : buffers_) {
    if (!device_->live(id)) throw std::invalid_argument("cuda program: buffer " + std::to_string(id) + " was freed after the program was built");
  }
  const CudaApi& api = device_->api();
  device_->bind();
  // pageable source: the driver stages it before returning, so the caller may reuse it at once
  if (positionCount_ > 0) device_->upload_async(positions_, positions, positionCount_ * 4);
  ++runs_;
  if (profiling_enabled()) {
    launch_all_timed();
    return;
  }
  if (!graphs_ || launches_.empty() || runs_ == 1) {
    launch_all();  // the first run also loads every kernel lazily before a capture
    return;
  }
  if (!exec_) {
    CUgraph graph = nullptr;
    cu_check(api, api.cuStreamBeginCapture(device_->stream(), CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture");
    try {
      launch_all();
    } catch (...) {
      api.cuStreamEndCapture(device_->stream(), &graph);
      if (graph) api.cuGraphDestroy(graph);
      throw;
    }
    cu_check(api, api.cuStreamEndCapture(device_->stream(), &graph), "cuStreamEndCapture");
    const CUresult r = api.cuGraphInstantiateWithFlags(&exec_, graph, 0);
    api.cuGraphDestroy(graph);
    cu_check(api, r, "cuGraphInstantiate");
  }
  cu_check(api, api.cuGraphLaunch(exec_, device_->stream()), "cuGraphLaunch");
}

}  // namespace ix
