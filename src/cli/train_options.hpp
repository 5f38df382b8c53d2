#pragma once
// `flopwall run --mode train` and the flags that belong to it.
#include <boost/program_options.hpp>

#include "model/run_mode.hpp"
#include "model/training_plan.hpp"

namespace flopwall {

struct TrainConfig {
  double grad_bucket_mb = 25;  // --grad-bucket-mb, MiB
  TrainingOptions options;   // the bucket cap in bytes, sequence parallelism
};

// The keys, for the command line and the config file alike.
boost::program_options::options_description train_settings();
// Throws UsageError with one line on a bad value, or on a training flag
// without --mode train (`mode`, parsed by run's options).
TrainConfig parse_train_options(const boost::program_options::variables_map& vm, RunMode mode);

// The dtypes the training step's backward kernels run on `backend`: fp32
// and fp64 on cpu (kernels/cpu/backward.cpp), fp32, tf32, fp16, bf16 and
// fp8 on cuda (kernels/cuda/backward.cu; fp8's backward GEMMs in bf16).
// UsageError naming them otherwise.
void check_train_dtype(DType dtype, const std::string& backend);

// --mode train with a backend whose collectives take int counts (cpu: MPI):
// the largest gradient bucket's element count must fit one. UsageError otherwise.
void check_train_int_counts(const TrainConfig& t, const ModelShape& shape, const ParallelLayout& layout, DType dtype);

}  // namespace flopwall
