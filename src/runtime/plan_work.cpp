#include "runtime/plan_work.hpp"

namespace flopwall {

std::vector<OpWork> plan_work(const Plan& plan) {
  std::vector<OpWork> work;
  work.reserve(plan.ops.size());
  for (const Op& op : plan.ops) work.push_back({.flops = op.flops, .bytes_mem = op.bytes_mem, .bytes_comm = op.bytes_comm});
  return work;
}

}  // namespace flopwall
