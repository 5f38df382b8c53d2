// A failure inside the loop names the op, its layer and the iteration: an
// op the device refuses to launch, and an op the timer reports as failed
// after the fact (a GPU timer's timeout or a transport's asynchronous error).
#include <gtest/gtest.h>

#include <optional>

#include "backend/cpu_device.hpp"
#include "runtime/communicator.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "runtime/runner.hpp"

namespace flopwall {
namespace {

// The CPU device, with one op failing on cue in a chosen iteration.
class FailingDevice final : public Device, private OpTimer {
 public:
  enum class When { at_launch, at_resolve };
  FailingDevice(std::size_t op, int iteration, When when)
      : m_inner(make_cpu_device(DType::fp64, 1)), m_op(op), m_iteration(iteration), m_when(when) {}

  std::string description() const override { return m_inner->description(); }
  void prepare(const Plan& plan) override {
    m_plan = &plan;
    m_inner->prepare(plan);
  }
  void execute(std::size_t op_index, const DeviceOp& op) override {
    if (m_when == When::at_launch && op_index == m_op && m_iterations_begun == m_iteration)
      throw std::runtime_error("launch refused");
    m_inner->execute(op_index, op);
  }
  void* buffer(BufferId id) override { return m_inner->buffer(id); }
  std::vector<double> read_buffer(BufferId id) override { return m_inner->read_buffer(id); }
  OpTimer& timer() override { return *this; }

 private:
  void begin(std::size_t op_index) noexcept override {
    if (op_index == 0) ++m_iterations_begun;
    m_inner->timer().begin(op_index);
  }
  void end(std::size_t op_index) noexcept override { m_inner->timer().end(op_index); }
  void resolve(std::span<OpSpan> out) override {
    if (m_when == When::at_resolve && m_iterations_begun == m_iteration)
      throw OpFailure(m_op, "NCCL reported an asynchronous error: remote process exited");
    m_inner->timer().resolve(out);
  }

  std::unique_ptr<Device> m_inner;
  const Plan* m_plan = nullptr;
  std::size_t m_op;
  int m_iteration;  // counted from 0 at the first warm-up iteration
  When m_when;
  int m_iterations_begun = -1;
};

// Runs 2 warm-up and 3 timed iterations; returns the error message, if any.
std::optional<std::string> run_failing(std::size_t op, int iteration, FailingDevice::When when) {
  const ModelShape shape{.hidden = 32, .heads = 4, .ffn = 64, .layers = 2, .seq = 8, .batch = 1};
  // Each rank alone: a failure on one rank must not leave the others waiting here.
  const ParallelLayout layout{.world_size = 1, .tp = 1};
  const Plan plan = build_transformer_plan(shape, layout, 0, DType::fp64);
  const auto comm = make_communicator(MPI_COMM_SELF, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  FailingDevice device(op, iteration, when);
  device.prepare(plan);
  Recorder recorder(plan_work(plan), 3);
  try {
    // The barrier and broadcast of the loop are on MPI_COMM_WORLD: every rank
    // fails at the same point, so none is left behind in them.
    run_plan(plan, device, *comm, recorder, {}, {.iterations = 3, .warmup = 2, .progress = false});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return std::nullopt;
}

std::string expected_context(std::size_t op_index, int iteration) {
  const ModelShape shape{.hidden = 32, .heads = 4, .ffn = 64, .layers = 2, .seq = 8, .batch = 1};
  const Plan plan = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, DType::fp64);
  const Op& op = plan.ops.at(op_index);
  return "in op " + op.name + " (layer " + std::to_string(op.layer) + ", iteration " + std::to_string(iteration) + ")";
}

TEST(RunnerFailures, ALaunchFailureNamesTheOpLayerAndIteration) {
  // Iteration 3 counted from the first warm-up is timed iteration 1.
  const auto message = run_failing(5, 3, FailingDevice::When::at_launch);
  ASSERT_TRUE(message.has_value()) << "the loop should have failed";
  EXPECT_NE(message->find("launch refused"), std::string::npos) << *message;
  EXPECT_NE(message->find(expected_context(5, 1)), std::string::npos) << *message;
}

TEST(RunnerFailures, AnAsynchronousFailureNamesTheOpTheTimerReports) {
  // Iteration 0 is the first warm-up, reported as iteration -2.
  const auto message = run_failing(7, 0, FailingDevice::When::at_resolve);
  ASSERT_TRUE(message.has_value()) << "the loop should have failed";
  EXPECT_NE(message->find("NCCL reported an asynchronous error: remote process exited"), std::string::npos)
      << *message;
  EXPECT_NE(message->find(expected_context(7, -2)), std::string::npos) << *message;
}

TEST(RunnerFailures, NoFailureRunsToTheEnd) {
  EXPECT_FALSE(run_failing(5, 99, FailingDevice::When::at_launch).has_value());
}

}  // namespace
}  // namespace flopwall
