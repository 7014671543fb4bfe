// Names of the kernels in kernels/kernels.cu, in the order src/program.ts refers to them by index
// (the JS side asks kernelNames() and maps names to indices).
#pragma once
#include <cstddef>

namespace ix {

#define IX_WEIGHT_KERNEL_NAMES(s) "matvec_" s, "matvec_glu_" s, "matmul_" s, "matmul_exact_" s, "get_rows_" s, "mul_mat_id_" s, "mul_mat_id_glu_" s

inline constexpr const char* kKernelNames[] = {
    IX_WEIGHT_KERNEL_NAMES("f32"),  IX_WEIGHT_KERNEL_NAMES("f16"),  IX_WEIGHT_KERNEL_NAMES("bf16"),
    IX_WEIGHT_KERNEL_NAMES("q8_0"), IX_WEIGHT_KERNEL_NAMES("q4_0"), IX_WEIGHT_KERNEL_NAMES("q4_k"),
    IX_WEIGHT_KERNEL_NAMES("q5_k"), IX_WEIGHT_KERNEL_NAMES("q6_k"), IX_WEIGHT_KERNEL_NAMES("iq4_nl"),
    IX_WEIGHT_KERNEL_NAMES("mxfp4"),
    "binary", "unary", "copy", "concat", "write_rows", "rowwise", "select_top", "rope",
    "attention_f32", "attention_f16", "attention_split_f32", "attention_split_f16", "attention_merge",
    "moe_route", "gather", "weighted_sum", "slice",
};

inline constexpr size_t kKernelCount = sizeof(kKernelNames) / sizeof(kKernelNames[0]);

#undef IX_WEIGHT_KERNEL_NAMES

}  // namespace ix
