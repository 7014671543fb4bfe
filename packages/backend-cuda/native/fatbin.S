// Embeds the kernels' fat binary (built by nvcc into IX_CUDA_FATBIN_PATH) as ix_cuda_fatbin, aligned
// as cuModuleLoadData expects.
  .section .rodata
  .balign 64
  .global ix_cuda_fatbin
ix_cuda_fatbin:
  .incbin IX_CUDA_FATBIN_PATH
  .byte 0
  .section .note.GNU-stack,"",@progbits
