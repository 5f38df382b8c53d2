#pragma once
// Damaged copies of good traces, for the tests (make_damaged_trace) and the
// fuzzer's structure-aware mutator. Edits go through HDF5, so the damage is
// in the content while every checksum stays valid: the reader's own checks,
// not libhdf5's, must catch it. The byte-level classes (truncation, flips,
// no checksums) damage the file itself.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace flopwall::damage {

struct DamageClass {
  const char* name;
  const char* what;       // one line for --help
  // The good trace it damages: "run", "sweep" (a collective sweep: edits
  // /collectives) or "points" (a workload sweep: edits /points).
  const char* kind;
};
const std::vector<DamageClass>& classes();

// Copies `good` to `out` and damages it as `name` says; `seed` varies the
// seeded classes (truncated, byte_flips). Throws std::runtime_error for an
// unknown class or a trace that lacks what the class edits.
void make_damaged(const std::string& good, const std::string& out, const std::string& name, std::uint64_t seed);

// One random edit through HDF5 of the trace at `path` (a sound trace: the
// caller checks), drawn from the same kinds of damage. False when the edit
// did not apply (e.g. the trace lacks what was drawn).
bool random_edit(const std::string& path, std::mt19937_64& rng);

}  // namespace flopwall::damage
