// The GEMMs and allreduces of one rank's iteration of `flopwall run`, from
// the project's own plan, in the form bench/bare/bare_gemm.c reads: so the
// bare loop runs the very shapes, order and buffers the run does.
//
//   gemm_shapes PRESET TP [HIDDEN FFN]     (e.g. gemm_shapes tiny 2 1024 4096)
//
// for rank 0 of a TP group of TP ranks (every rank's GEMMs have the same
// shapes). Prints "buffer ID ELEMENTS" for each buffer they touch, then in
// plan order "gemm NAME M N K A B C" per GEMM op (row-major C = A·B, as
// kernels/cpu/gemm.cpp calls cblas_sgemm) and "allreduce NAME BUFFER COUNT"
// per allreduce (in place, float sum, over the TP group).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <variant>

#include "model/plan.hpp"

int main(int argc, char** argv) {
  using namespace flopwall;
  if (argc != 3 && argc != 5) {
    std::fprintf(stderr, "usage: gemm_shapes PRESET TP [HIDDEN FFN]\n");
    return 2;
  }
  try {
    ModelShape shape = model_preset(argv[1]);
    if (argc == 5) {
      shape.hidden = std::atoll(argv[3]);
      shape.ffn = std::atoll(argv[4]);
    }
    const ParallelLayout layout{.world_size = std::atoi(argv[2]), .tp = std::atoi(argv[2])};
    validate_layout(shape, layout);
    const Plan plan = build_transformer_plan(shape, layout, 0, DType::fp32);
    const auto gemm = [](const Op& op) -> const GemmOp* {
      const auto* d = std::get_if<DeviceOp>(&op.params);
      return d ? std::get_if<GemmOp>(d) : nullptr;
    };
    const auto allreduce = [](const Op& op) -> const CommOp* {
      const auto* c = std::get_if<CommOp>(&op.params);
      return c && c->call.collective == Collective::allreduce && c->send == c->recv ? c : nullptr;
    };
    std::set<BufferId> used;
    for (const Op& op : plan.ops) {
      if (const GemmOp* g = gemm(op)) used.insert({g->a, g->b, g->c});
      if (const CommOp* c = allreduce(op)) used.insert(c->recv);
    }
    for (const BufferId id : used)
      std::printf("buffer %d %lld\n", id, static_cast<long long>(plan.buffers[static_cast<std::size_t>(id)].elements()));
    for (const Op& op : plan.ops) {
      if (const GemmOp* g = gemm(op))
        std::printf("gemm %s %lld %lld %lld %d %d %d\n", op.name.c_str(), static_cast<long long>(g->m),
                    static_cast<long long>(g->n), static_cast<long long>(g->k), g->a, g->b, g->c);
      if (const CommOp* c = allreduce(op))
        std::printf("allreduce %s %d %lld\n", op.name.c_str(), c->recv,
                    static_cast<long long>(c->call.shape.send_count));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemm_shapes: %s\n", e.what());
    return 2;
  }
  return 0;
}
