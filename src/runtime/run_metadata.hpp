#pragma once
// What a run records about the software and the environment it ran in.
#include <string>
#include <string_view>

#include "core/key_values.hpp"

namespace flopwall {

// name → version of every library flopwall was built with (and the MPI
// library it runs with); also what `flopwall --version` prints.
KeyValues library_versions();
// The job's NCCL_*, CUDA_*, OMPI_*, UCX_*, SLURM_*, OPENBLAS_*, OMP_* and
// FLOPWALL_* variables, sorted by name.
KeyValues captured_environment();
// Now, as 2026-11-28T14:51:50Z.
std::string utc_timestamp_iso();
// Now, to the millisecond, as 20261128T145150.123Z (for file names).
std::string utc_timestamp_compact();
// The host (CPU model, cores, NUMA nodes, memory) and the batch system's
// job ids, so a trace can be matched to its machine and its job's logs.
KeyValues host_and_job_meta();
// The SLURM job as its variables tell it, where set: slurm_job_id,
// slurm_array_job_id, slurm_array_task_id, slurm_step_id, slurm_job_name,
// slurm_partition, slurm_nodelist, slurm_nnodes, slurm_tasks_per_node.
KeyValues slurm_job_meta();
// backend_libraries: the /meta keys of the libraries `backend` runs on, comma
// separated (from the backends table), which the report's hardware section lists.
KeyValues backend_meta(std::string_view backend);

}  // namespace flopwall
