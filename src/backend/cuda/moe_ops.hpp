#pragma once
// The cuda backend's MoE ops (model/moe_block.hpp): the routing tables of
// each op uploaded once before timing, one cuBLASLt GEMM per local expert of
// a grouped GEMM (its shape known at plan time), and the kernels of
// kernels/cuda/moe.cu. Kept apart from cuda_device.cpp, which forwards.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "backend/cuda/lt_gemm.hpp"
#include "kernels/cuda/cuda_kernels.hpp"
#include "model/plan.hpp"
#include "platform/cuda/cuda_resources.hpp"

namespace flopwall::cuda {

// Per buffer: the rows of one expert's block when the buffer is a grouped
// GEMM's stacked weights (each block is stored transposed on its own), else 0.
std::vector<std::int64_t> grouped_weight_block_rows(const Plan& plan);
// [G·k, n] row-major → G blocks, each [n, k] (LtGemm's transposed weight).
std::vector<float> transposed_blocks(const std::vector<float>& m, std::int64_t block_rows, std::int64_t rows,
                                     std::int64_t cols);

class MoeOps {
 public:
  void prepare(const Plan& plan, const LtHandle& lt, DType dtype, void* workspace, std::size_t workspace_bytes,
               cudaStream_t stream);
  // Enqueues an MoE op; `at` gives a buffer's device pointer.
  void execute(std::size_t op_index, const DeviceOp& op, const std::function<void*(BufferId)>& at,
               kernels::cuda::Element act, cudaStream_t stream) const;

 private:
  struct Tables {
    DeviceBuffer index, offsets, slots, weights;
    std::vector<LtGemm> gemms;  // one per expert with rows
    std::vector<std::int64_t> rows;
  };
  DType m_dtype = DType::fp32;
  std::vector<std::optional<Tables>> m_ops;
};

}  // namespace flopwall::cuda
