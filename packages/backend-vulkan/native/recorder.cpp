#include "recorder.h"

#include <string>
#include <vector>

namespace ix {

namespace {

struct Dispatch {
  uint32_t shader;
  uint32_t groups[3];
  std::vector<VkDescriptorBufferInfo> bindings;
  const uint32_t* push;
  uint32_t pushCount;
};

class Reader {
 public:
  Reader(const uint32_t* w, size_t n) : w_(w), n_(n) {}
  uint32_t next(const char* what) {
    if (i_ >= n_) throw std::invalid_argument(std::string("program ends early, reading ") + what);
    return w_[i_++];
  }
  const uint32_t* take(uint32_t n, const char* what) {
    if (n > n_ - i_) throw std::invalid_argument(std::string("program ends early, reading ") + what);
    const uint32_t* p = w_ + i_;
    i_ += n;
    return p;
  }
  bool done() const { return i_ == n_; }

 private:
  const uint32_t* w_;
  size_t n_;
  size_t i_ = 0;
};

std::vector<Dispatch> parse(const Device& device, const uint32_t* words, size_t count) {
  const DeviceReport& dev = device.report();
  Reader in(words, count);
  const uint32_t n = in.next("dispatch count");
  if (n > count) throw std::invalid_argument("program claims " + std::to_string(n) + " dispatches in " + std::to_string(count) + " words");
  std::vector<Dispatch> out(n);
  for (uint32_t d = 0; d < n; ++d) {
    Dispatch& x = out[d];
    const std::string at = "dispatch " + std::to_string(d) + ": ";
    x.shader = in.next("shader");
    if (x.shader >= kShaderCount) throw std::invalid_argument(at + "unknown shader " + std::to_string(x.shader));
    for (int i = 0; i < 3; ++i) {
      x.groups[i] = in.next("group count");
      if (x.groups[i] < 1 || x.groups[i] > dev.maxComputeWorkGroupCount[i]) {
        throw std::invalid_argument(at + "group count " + std::to_string(x.groups[i]) + " outside 1.." + std::to_string(dev.maxComputeWorkGroupCount[i]));
      }
    }
    const uint32_t nb = in.next("binding count");
    if (nb != kShaders[x.shader].bindings) {
      throw std::invalid_argument(at + kShaders[x.shader].name + " takes " + std::to_string(kShaders[x.shader].bindings) + " buffers, got " + std::to_string(nb));
    }
    for (uint32_t b = 0; b < nb; ++b) {
      const uint32_t* f = in.take(4, "binding");
      const DeviceBuffer& buf = device.buffer(f[0]);
      const uint64_t offset = f[1] | (uint64_t(f[2]) << 32), range = f[3];
      if (range == 0 || range > dev.maxStorageBufferRange) {
        throw std::invalid_argument(at + "binding range " + std::to_string(range) + " outside 1.." + std::to_string(dev.maxStorageBufferRange));
      }
      if (offset % dev.minStorageBufferOffsetAlignment != 0 || offset > buf.size || range > buf.size - offset) {
        throw std::invalid_argument(at + "binding " + std::to_string(range) + " bytes at " + std::to_string(offset) + " is misaligned or outside buffer " + std::to_string(f[0]));
      }
      x.bindings.push_back(VkDescriptorBufferInfo{buf.buffer, offset, range});
    }
    x.pushCount = in.next("push constant count");
    if (x.pushCount > kPushWords) throw std::invalid_argument(at + "more than " + std::to_string(kPushWords) + " push constant words");
    x.push = in.take(x.pushCount, "push constants");
  }
  if (!in.done()) throw std::invalid_argument("program has trailing words");
  return out;
}

}  // namespace

void run_program(Device& device, Pipelines& pipelines, const uint32_t* words, size_t count) {
  const std::vector<Dispatch> dispatches = parse(device, words, count);
  if (dispatches.empty()) return;
  const VkApi& vk = device.api();
  VkDevice dev = device.device();

  uint32_t descriptors = 0;
  for (const Dispatch& d : dispatches) descriptors += (uint32_t)d.bindings.size();
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors};
  VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  poolInfo.maxSets = (uint32_t)dispatches.size();
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &size;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  vk_check(vk.vkCreateDescriptorPool(dev, &poolInfo, nullptr, &pool), "vkCreateDescriptorPool");
  try {
    std::vector<VkDescriptorSet> sets(dispatches.size());
    std::vector<VkWriteDescriptorSet> writes;
    for (size_t i = 0; i < dispatches.size(); ++i) {
      const Pipeline& p = pipelines.get(dispatches[i].shader);
      VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
      alloc.descriptorPool = pool;
      alloc.descriptorSetCount = 1;
      alloc.pSetLayouts = &p.setLayout;
      vk_check(vk.vkAllocateDescriptorSets(dev, &alloc, &sets[i]), "vkAllocateDescriptorSets");
      for (uint32_t b = 0; b < dispatches[i].bindings.size(); ++b) {
        VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        w.dstSet = sets[i];
        w.dstBinding = b;
        w.descriptorCount = 1;
        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w.pBufferInfo = &dispatches[i].bindings[b];
        writes.push_back(w);
      }
    }
    vk.vkUpdateDescriptorSets(dev, (uint32_t)writes.size(), writes.data(), 0, nullptr);

    device.submit([&](VkCommandBuffer cmd) {
      for (size_t i = 0; i < dispatches.size(); ++i) {
        const Dispatch& d = dispatches[i];
        const Pipeline& p = pipelines.get(d.shader);
        if (i > 0) device.full_barrier(cmd);
        vk.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
        vk.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1, &sets[i], 0, nullptr);
        uint32_t push[kPushWords] = {};
        for (uint32_t k = 0; k < d.pushCount; ++k) push[k] = d.push[k];
        vk.vkCmdPushConstants(cmd, p.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushWords * 4, push);
        vk.vkCmdDispatch(cmd, d.groups[0], d.groups[1], d.groups[2]);
      }
    });
  } catch (...) {
    vk.vkDestroyDescriptorPool(dev, pool, nullptr);
    throw;
  }
  vk.vkDestroyDescriptorPool(dev, pool, nullptr);
}

}  // namespace ix
