// Causal softmax, one block per score row: reads the causal prefix only and
// writes zeros past the diagonal so the row is complete for any reader.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda {
namespace {
using namespace detail;

constexpr unsigned k_block = 256;

template <class T>
__global__ void causal_softmax_kernel(T* scores, std::int64_t seq) {
  __shared__ float scratch[32];
  const std::int64_t row_index = blockIdx.x;  // matrix·seq + i
  const std::int64_t len = row_index % seq + 1;
  T* row = scores + row_index * seq;
  float mx = -FLT_MAX;
  for (std::int64_t j = threadIdx.x; j < len; j += blockDim.x) mx = fmaxf(mx, to_float(row[j]));
  mx = block_reduce<true>(mx, scratch);
  float sum = 0.0f;
  for (std::int64_t j = threadIdx.x; j < len; j += blockDim.x) sum += __expf(to_float(row[j]) - mx);
  const float inv = 1.0f / block_reduce<false>(sum, scratch);
  for (std::int64_t j = threadIdx.x; j < seq; j += blockDim.x)
    row[j] = from_float<T>(j < len ? __expf(to_float(row[j]) - mx) * inv : 0.0f);
}

}  // namespace

void causal_softmax(Element t, void* scores, std::int64_t matrices, std::int64_t seq, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    causal_softmax_kernel<T><<<static_cast<unsigned>(matrices * seq), k_block, 0, stream>>>(static_cast<T*>(scores), seq);
  });
  check_launch("causal_softmax");
}

}  // namespace flopwall::kernels::cuda
