#pragma once
// The STREAM triad, a[i] = b[i] + s·c[i]: two streams read, one written, one
// multiply-add per element. Its time over arrays much larger than the last
// level cache is the memory bandwidth a streaming op can reach (McCalpin's
// STREAM; docs/metrics.md, "Calibration"). Also the CPU reference of the
// CUDA triad (kernels/cuda/triad.hpp).
#include <cstdint>

namespace flopwall::kernels::cpu {

template <class T>
void triad(T* a, const T* b, const T* c, T s, std::int64_t count);

}  // namespace flopwall::kernels::cpu
