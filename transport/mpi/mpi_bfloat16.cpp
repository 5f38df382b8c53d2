#include "transport/mpi/mpi_bfloat16.hpp"

#include <algorithm>
#include <array>

#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

template <class F>
void combine(std::span<const BFloat16> in, std::span<BFloat16> inout, F f) noexcept {
  for (std::size_t i = 0; i < inout.size(); ++i) inout[i] = BFloat16(f(float(in[i]), float(inout[i])));
}

// MPI_User_function: `len` elements of the 2-byte type.
template <ReduceOp Op>
void user_op(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto n = static_cast<std::size_t>(*len);
  reduce_bfloat16(Op, {static_cast<const BFloat16*>(in), n}, {static_cast<BFloat16*>(inout), n});
}

struct Handles {
  MPI_Datatype type = MPI_DATATYPE_NULL;
  std::array<MPI_Op, 4> ops{MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL, MPI_OP_NULL};  // sum, prod, min, max
};

// Frees the handles at MPI_Finalize (the delete callback of an attribute on
// MPI_COMM_SELF); non-throwing, as any release in a teardown path.
int release(MPI_Comm, int, void* attr, void*) {
  auto* h = static_cast<Handles*>(attr);
  for (MPI_Op& op : h->ops)
    if (op != MPI_OP_NULL) MPI_Op_free(&op);
  if (h->type != MPI_DATATYPE_NULL) MPI_Type_free(&h->type);
  return MPI_SUCCESS;
}

Handles& handles() {
  static Handles* const h = [] {
    // Kept for the process (a few bytes); its MPI handles are freed at MPI_Finalize.
    auto* created = new Handles;
    FLOPWALL_MPI_CHECK(MPI_Type_contiguous(2, MPI_BYTE, &created->type));
    FLOPWALL_MPI_CHECK(MPI_Type_commit(&created->type));
    // Commutative: float addition and multiplication are, and so is the
    // rounding of their result.
    FLOPWALL_MPI_CHECK(MPI_Op_create(&user_op<ReduceOp::sum>, 1, &created->ops[0]));
    FLOPWALL_MPI_CHECK(MPI_Op_create(&user_op<ReduceOp::prod>, 1, &created->ops[1]));
    FLOPWALL_MPI_CHECK(MPI_Op_create(&user_op<ReduceOp::min>, 1, &created->ops[2]));
    FLOPWALL_MPI_CHECK(MPI_Op_create(&user_op<ReduceOp::max>, 1, &created->ops[3]));
    int key = MPI_KEYVAL_INVALID;
    FLOPWALL_MPI_CHECK(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, release, &key, nullptr));
    FLOPWALL_MPI_CHECK(MPI_Comm_set_attr(MPI_COMM_SELF, key, created));
    FLOPWALL_MPI_CHECK(MPI_Comm_free_keyval(&key));  // the attribute, and its callback, stay
    return created;
  }();
  return *h;
}

}  // namespace

void reduce_bfloat16(ReduceOp op, std::span<const BFloat16> in, std::span<BFloat16> inout) noexcept {
  switch (op) {
    case ReduceOp::sum: return combine(in, inout, [](float a, float b) { return a + b; });
    case ReduceOp::prod: return combine(in, inout, [](float a, float b) { return a * b; });
    case ReduceOp::min: return combine(in, inout, [](float a, float b) { return std::min(a, b); });
    case ReduceOp::max: return combine(in, inout, [](float a, float b) { return std::max(a, b); });
    case ReduceOp::avg: return;
  }
}

MPI_Datatype mpi_bfloat16() { return handles().type; }

MPI_Op mpi_bfloat16_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return handles().ops[0];
    case ReduceOp::prod: return handles().ops[1];
    case ReduceOp::min: return handles().ops[2];
    case ReduceOp::max: return handles().ops[3];
    case ReduceOp::avg: break;
  }
  return MPI_OP_NULL;
}

}  // namespace flopwall
