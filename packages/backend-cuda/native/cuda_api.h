// The CUDA driver API, opened with dlopen at run time: the addon links to no CUDA library, so it
// loads (and probe() explains) on machines without an NVIDIA driver.
#pragma once
#include <cuda.h>

#include <stdexcept>
#include <string>

namespace ix {

struct CudaApi {
#define IX_CU_FN(name) decltype(&::name) name = nullptr;
#include "cuda_functions.inc"
#include "cuda_optional_functions.inc"
#undef IX_CU_FN
};

/** The driver, opened and initialised once per process; throws with the reason when it cannot be. */
const CudaApi& cuda_api(const std::string& library);

/** Throws a readable error for a failed driver call. */
void cu_check(const CudaApi& api, CUresult r, const char* what);

}  // namespace ix
