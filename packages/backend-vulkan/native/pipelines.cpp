#include "pipelines.h"

#include <cstring>

namespace ix {

Pipelines::~Pipelines() {
  const VkApi& vk = device_.api();
  for (Pipeline& p : pipelines_) {
    if (p.pipeline) vk.vkDestroyPipeline(device_.device(), p.pipeline, nullptr);
    if (p.layout) vk.vkDestroyPipelineLayout(device_.device(), p.layout, nullptr);
    if (p.setLayout) vk.vkDestroyDescriptorSetLayout(device_.device(), p.setLayout, nullptr);
  }
}

const Pipeline& Pipelines::get(uint32_t shader) {
  if (shader >= kShaderCount) throw std::invalid_argument("unknown shader " + std::to_string(shader));
  Pipeline& p = pipelines_[shader];
  if (p.pipeline) return p;
  const ShaderEntry& entry = kShaders[shader];
  const VkApi& vk = device_.api();
  VkDevice dev = device_.device();

  std::vector<VkDescriptorSetLayoutBinding> bindings(entry.bindings);
  for (uint32_t i = 0; i < entry.bindings; ++i) {
    bindings[i] = VkDescriptorSetLayoutBinding{i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo setInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  setInfo.bindingCount = entry.bindings;
  setInfo.pBindings = bindings.data();
  vk_check(vk.vkCreateDescriptorSetLayout(dev, &setInfo, nullptr, &p.setLayout), "vkCreateDescriptorSetLayout");

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushWords * 4};
  VkPipelineLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &p.setLayout;
  layoutInfo.pushConstantRangeCount = 1;
  layoutInfo.pPushConstantRanges = &push;
  vk_check(vk.vkCreatePipelineLayout(dev, &layoutInfo, nullptr, &p.layout), "vkCreatePipelineLayout");

  // SPIR-V is read as 32-bit words: copy out of the byte array so alignment is guaranteed
  std::vector<uint32_t> code(entry.bytes / 4);
  std::memcpy(code.data(), entry.spirv, code.size() * 4);
  VkShaderModuleCreateInfo moduleInfo{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  moduleInfo.codeSize = code.size() * 4;
  moduleInfo.pCode = code.data();
  VkShaderModule module = VK_NULL_HANDLE;
  vk_check(vk.vkCreateShaderModule(dev, &moduleInfo, nullptr, &module), "vkCreateShaderModule");

  VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  info.stage = VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.layout = p.layout;
  const VkResult r = vk.vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &info, nullptr, &p.pipeline);
  vk.vkDestroyShaderModule(dev, module, nullptr);
  vk_check(r, (std::string("vkCreateComputePipelines(") + entry.name + ")").c_str());
  return p;
}

}  // namespace ix
