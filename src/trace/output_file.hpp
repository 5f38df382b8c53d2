#pragma once
// How a trace reaches its final name: written under a temporary name that
// only this job can own, then published in one atomic step, so a file at
// PATH is always one job's complete trace and never another job's half.
#include <string>

namespace flopwall {

// Creates, exclusively (O_EXCL), an empty file beside `final_path` named
//   <dir>/<basename, cut to 100 bytes>.<job tag>.<random>.tmp
// where the job tag is slurm_job_tag() or, outside SLURM, p<pid>.
// Returns its path; throws std::runtime_error with the system's reason.
std::string create_exclusive_temp(const std::string& final_path);

// Gives `temp` the name `final_path`. Without `overwrite` an existing file
// there is never replaced: a hard link that fails if the name exists (or
// renameat2's RENAME_NOREPLACE where links are not supported). With it, an
// atomic rename over a regular file. On success `temp` is gone; on failure
// it is left for the caller to remove. Throws std::runtime_error.
void publish_file(const std::string& temp, const std::string& final_path, bool overwrite);

// "j<array job>_<task>" for a SLURM array task, "j<job>" for another SLURM
// job, "" outside SLURM.
std::string slurm_job_tag();

// A random lowercase hex string of `digits` digits (from /dev/urandom).
std::string random_hex(int digits);

}  // namespace flopwall
