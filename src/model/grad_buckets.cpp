#include "model/grad_buckets.hpp"

#include <algorithm>

#include "core/checked_math.hpp"

namespace flopwall {
namespace {

constexpr const char* k_bucket = "--grad-bucket-mb: a gradient bucket's size";

// One rule for both functions: add the gradient, close the bucket once it reaches the cap.
template <class OnAdd, class OnClose>
void partition(std::uint64_t count, const std::function<std::int64_t(std::uint64_t)>& size_of,
               std::uint64_t element_bytes, std::uint64_t cap_bytes, OnAdd on_add, OnClose on_close) {
  std::uint64_t bytes = 0;
  bool open = false;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::int64_t n = size_of(i);
    on_add(i, n);
    open = true;
    bytes = add_or_throw(bytes, mul_or_throw(static_cast<std::uint64_t>(n), element_bytes, k_bucket), k_bucket);
    if (bytes >= cap_bytes) {
      on_close();
      bytes = 0;
      open = false;
    }
  }
  if (open) on_close();
}

}  // namespace

std::vector<GradBucket> plan_grad_buckets(const std::vector<std::int64_t>& sizes, std::uint64_t element_bytes,
                                          std::uint64_t cap_bytes) {
  std::vector<GradBucket> out;
  GradBucket cur;
  partition(
      sizes.size(), [&](std::uint64_t i) { return sizes[i]; }, element_bytes, cap_bytes,
      [&](std::uint64_t i, std::int64_t n) {
        cur.members.push_back(i);
        cur.offsets.push_back(cur.elements);
        cur.elements = add_or_throw(cur.elements, n, k_bucket);
      },
      [&] {
        out.push_back(std::move(cur));
        cur = {};
      });
  return out;
}

GradBucketCount count_grad_buckets(std::uint64_t count, const std::function<std::int64_t(std::uint64_t)>& size_of,
                                   std::uint64_t element_bytes, std::uint64_t cap_bytes) {
  GradBucketCount c;
  std::int64_t cur = 0;
  partition(
      count, size_of, element_bytes, cap_bytes, [&](std::uint64_t, std::int64_t n) { cur = add_or_throw(cur, n, k_bucket); },
      [&] {
        ++c.buckets;
        c.largest_elements = std::max(c.largest_elements, cur);
        cur = 0;
      });
  return c;
}

}  // namespace flopwall
