#pragma once
// The data-parallel gradient allreduce's buckets (--grad-bucket-mb), as
// PyTorch DDP forms them: the weight gradients in the order backward
// completes them (last layer first), packed greedily; a bucket closes as
// soon as its bytes reach the cap, so one gradient larger than the cap is a
// bucket of its own. One allreduce over the DP group per bucket.
#include <cstdint>
#include <functional>
#include <vector>

namespace flopwall {

struct GradBucket {
  std::vector<std::size_t> members;  // indices into the completion order
  std::vector<std::int64_t> offsets; // each member's first element in the bucket
  std::int64_t elements = 0;
};

// sizes: element counts in completion order; cap_bytes > 0.
std::vector<GradBucket> plan_grad_buckets(const std::vector<std::int64_t>& sizes, std::uint64_t element_bytes,
                                          std::uint64_t cap_bytes);

// The same partition counted without materialising it (the memory check runs
// before any plan exists): the bucket count and the largest bucket's elements.
struct GradBucketCount {
  std::uint64_t buckets = 0;
  std::int64_t largest_elements = 0;
};
GradBucketCount count_grad_buckets(std::uint64_t count, const std::function<std::int64_t(std::uint64_t)>& size_of,
                                   std::uint64_t element_bytes, std::uint64_t cap_bytes);

}  // namespace flopwall
