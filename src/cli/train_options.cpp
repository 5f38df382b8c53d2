#include "cli/train_options.hpp"

#include <fmt/format.h>

#include <climits>
#include <cmath>
#include <string>

#include "cli/input_limits.hpp"
#include "core/error.hpp"

namespace flopwall {

namespace po = boost::program_options;

constexpr double k_max_grad_bucket_mb = 1024;

po::options_description train_settings() {
  po::options_description d("Training step");
  d.add_options()("grad-bucket-mb", po::value<std::string>(), "train: MiB per data-parallel gradient allreduce bucket (default 25, "
                                                   "in (0, 1024])")
      ("sequence-parallel", po::bool_switch(), "train: Megatron-LM sequence parallelism: with --tp > 1 each TP "
                                               "allreduce becomes a reduce-scatter and an allgather; batch x seq must "
                                               "be a multiple of tp")
      ("overlap-grad-reduce", po::bool_switch(), "train: start each data-parallel gradient bucket's allreduce as soon "
                                                 "as backward has filled it, and wait for all after backward");
  return d;
}

TrainConfig parse_train_options(const po::variables_map& vm, RunMode mode) {
  TrainConfig t;
  if (vm.count("grad-bucket-mb")) {
    if (mode != RunMode::train)
      throw UsageError("--grad-bucket-mb applies to the training step only; add --mode train or drop it");
    // At most 1 GiB: a bucket's element count then fits MPI's int counts for every dtype.
    t.grad_bucket_mb = parse_real_option(vm["grad-bucket-mb"].as<std::string>(), "--grad-bucket-mb", 0, true,
                                         k_max_grad_bucket_mb, "a number of MiB in (0, 1024]");
  }
  t.options.bucket_bytes = static_cast<std::uint64_t>(std::ceil(t.grad_bucket_mb * 1024 * 1024));
  if (vm.count("sequence-parallel") && vm["sequence-parallel"].as<bool>()) {
    if (mode != RunMode::train)
      throw UsageError("--sequence-parallel applies to the training step only; add --mode train or drop it");
    t.options.sequence_parallel = true;
  }
  if (vm.count("overlap-grad-reduce") && vm["overlap-grad-reduce"].as<bool>()) {
    if (mode != RunMode::train)
      throw UsageError("--overlap-grad-reduce applies to the training step only; add --mode train or drop it");
    t.options.overlap_grad_reduce = true;
  }
  return t;
}

void check_train_dtype(DType dtype, const std::string& backend) {
  const bool cuda = backend == "cuda";
  const bool runs = cuda ? dtype != DType::fp64 : dtype == DType::fp32 || dtype == DType::fp64;
  if (!runs)
    throw UsageError(fmt::format("--dtype {} with --mode train is not supported by --backend {}; valid: {}",
                                 dtype_name(dtype), backend, cuda ? "fp32, tf32, fp16, bf16, fp8" : "fp32, fp64"));
}

void check_train_int_counts(const TrainConfig& t, const ModelShape& shape, const ParallelLayout& layout, DType dtype) {
  if (layout.dp() < 2) return;
  const std::int64_t largest = training_plan_size(shape, layout, dtype, t.options).largest_bucket_elements;
  if (largest > INT_MAX)
    throw UsageError(fmt::format("--grad-bucket-mb {}: a gradient bucket has {} elements (one weight gradient alone "
                                 "can exceed the cap), more than MPI's int counts allow ({}) on the cpu backend; give "
                                 "smaller sizes",
                                 t.grad_bucket_mb, largest, INT_MAX));
}

}  // namespace flopwall
