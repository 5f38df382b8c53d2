#pragma once
// The training step (--mode train) of the dense transformer block stack:
// the forward pass with every activation the backward pass needs kept per
// layer, a deterministic seed for the output gradient dL/dy (no loss op:
// the loss function's own cost is negligible next to the block and its
// gradient only sets the values backward starts from), then the backward
// pass layer by layer in reverse: per GEMM a dgrad and a wgrad GEMM, the
// attention, softmax, GELU, layernorm and residual gradients, and the TP
// allreduces of the column-parallel input gradients (Megatron-LM's conjugate
// of the forward allreduces). docs/metrics.md gives every op's accounting.
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "model/model_shape.hpp"
#include "model/plan.hpp"

namespace flopwall {

struct TrainingOptions {
  // The data-parallel gradient allreduce (model/grad_buckets.hpp).
  std::uint64_t bucket_bytes = 25ULL << 20;  // --grad-bucket-mb, PyTorch DDP's default 25 MiB
  // Megatron-LM's sequence parallelism (Korthikanti et al., 2022), with
  // tp > 1: the layernorms and residual adds run on this rank's t/tp tokens,
  // each TP allreduce becomes a reduce-scatter and each matching input an
  // allgather (forward and backward), and the layernorm weight gradients,
  // each from a rank's tokens only, are summed over the TP group.
  bool sequence_parallel = false;
  // With dp > 1: each bucket's allreduce starts as soon as backward has
  // written its last gradient and runs while backward goes on
  // (`grad_allreduce_b<k>`, nonblocking); every one is waited for after the
  // backward pass (`grad_allreduce_b<k>_wait`), as PyTorch DDP and
  // Megatron-LM's overlap_grad_reduce do.
  bool overlap_grad_reduce = false;
};

// Where a layer's weight gradient lives: a range of a bucket buffer.
struct GradientSlot {
  BufferId bucket = -1;
  std::int64_t offset = 0, elements = 0;
  BufferId param = -1;  // the weight or layernorm parameters it is the gradient of
};
// A layer's gradients in forward order: ln_attn, w_qkv, w_out, ln_mlp, w_up, w_down.
struct LayerGradients {
  int layer = 0;
  std::vector<GradientSlot> slots;
};

struct TrainingPlan {
  Plan plan;
  BufferId grad_seed = -1;             // dL/dy of the last layer's output
  BufferId input_grad = -1;            // dL/d(input) after the backward pass (sequence parallel: this rank's tokens)
  std::int64_t token_offset = 0;       // sequence parallel: the first of this rank's tokens (rows of input and input_grad)
  std::vector<LayerGradients> grads;   // per layer, layer 0 first
  std::vector<BufferId> buckets;       // in allreduce order (backward completion order)
  std::size_t backward_begin = 0;      // index of the first backward op in plan.ops
};

// Requires what validate_layout checks; throws UsageError for a dtype whose
// GEMMs need operand casts (fp8), which the training step does not support,
// and, with sequence parallelism, for tokens (batch · seq) that tp does not divide.
TrainingPlan build_training_plan(const ModelShape& shape, const ParallelLayout& layout, int world_rank, DType dtype,
                                 const TrainingOptions& reduce = {});

// Mirror of build_training_plan's sizes without building it (the memory check
// before the plan exists): buffer bytes, buffer and op counts, FLOPs. Checked.
struct TrainingPlanSize {
  std::uint64_t buffer_bytes = 0;
  std::uint64_t buffers = 0;
  std::uint64_t ops = 0;
  std::uint64_t flops_per_iteration = 0;
  std::uint64_t grad_buckets = 0;
  std::int64_t largest_bucket_elements = 0;  // the largest DP allreduce's count
};
TrainingPlanSize training_plan_size(const ModelShape& shape, const ParallelLayout& layout, DType dtype,
                                    const TrainingOptions& reduce = {});

}  // namespace flopwall
