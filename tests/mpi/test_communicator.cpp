// The run's Communicator: one MPI transport per group of the layout, every
// collective the workloads use, exact on small integers.
#include <gtest/gtest.h>

#include <numeric>

#include "runtime/communicator.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

struct World {
  int rank = 0, size = 1, tp = 1;
  std::unique_ptr<Communicator> comm;
  World() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    tp = size >= 2 ? 2 : 1;
    comm = make_communicator(MPI_COMM_WORLD, {.world_size = size, .tp = tp},
                             [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  }
};

TEST(Communicator, GroupsFollowTheLayout) {
  const World w;
  EXPECT_EQ(w.comm->size(CommGroup::tp), w.tp);
  EXPECT_EQ(w.comm->size(CommGroup::dp), w.size / w.tp);
  EXPECT_EQ(w.comm->rank(CommGroup::tp), w.rank % w.tp);
  EXPECT_EQ(w.comm->rank(CommGroup::dp), w.rank / w.tp);
  EXPECT_EQ(w.comm->size(CommGroup::world), w.size);
  EXPECT_EQ(w.comm->rank(CommGroup::world), w.rank);
}

TEST(Communicator, AllreduceSumsExactlyWithinEachGroup) {
  const World w;
  // Small integers are exact in floating point, so the sums must be too.
  std::vector<float> f(1000);
  std::vector<double> d(1000);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = d[i] = static_cast<double>(w.rank + 1) * static_cast<double>(i % 7);
  w.comm->allreduce(CommGroup::tp, f.data(), f.data(), static_cast<std::int64_t>(f.size()), ElementType::float32);
  w.comm->allreduce(CommGroup::world, d.data(), d.data(), static_cast<std::int64_t>(d.size()), ElementType::float64);
  const int first = w.rank - w.rank % w.tp;
  double tp_ranks_sum = 0;
  for (int r = first; r < first + w.tp; ++r) tp_ranks_sum += r + 1;
  const double world_ranks_sum = w.size * (w.size + 1) / 2.0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    ASSERT_EQ(f[i], static_cast<float>(tp_ranks_sum * static_cast<double>(i % 7))) << i;
    ASSERT_EQ(d[i], world_ranks_sum * static_cast<double>(i % 7)) << i;
  }
}

TEST(Communicator, AllgatherAndReduceScatterAreInverseShapes) {
  const World w;
  const int n = w.size;
  std::vector<double> mine(3, w.rank), gathered(static_cast<std::size_t>(3 * n), -1);
  w.comm->allgather(CommGroup::world, mine.data(), gathered.data(), 3, ElementType::float64);
  for (int r = 0; r < n; ++r)
    for (int i = 0; i < 3; ++i) EXPECT_EQ(gathered[static_cast<std::size_t>(3 * r + i)], r);
  // In place: this rank's chunk already sits in the output.
  std::vector<double> in_place(static_cast<std::size_t>(3 * n), -1);
  for (int i = 0; i < 3; ++i) in_place[static_cast<std::size_t>(3 * w.rank + i)] = w.rank;
  w.comm->allgather(CommGroup::world, in_place.data() + 3 * w.rank, in_place.data(), 3, ElementType::float64);
  EXPECT_EQ(in_place, gathered);

  std::vector<double> contributions(static_cast<std::size_t>(2 * n)), chunk(2, -1);
  std::iota(contributions.begin(), contributions.end(), 0.0);  // element j: j on every rank
  w.comm->reduce_scatter(CommGroup::world, contributions.data(), chunk.data(), 2, ElementType::float64);
  EXPECT_EQ(chunk[0], n * (2.0 * w.rank));
  EXPECT_EQ(chunk[1], n * (2.0 * w.rank + 1));
}

TEST(Communicator, AlltoallAndAlltoallvDeliverEachPeersChunk) {
  const World w;
  const int n = w.size;
  std::vector<std::int32_t> send(static_cast<std::size_t>(n)), recv(static_cast<std::size_t>(n), -1);
  for (int p = 0; p < n; ++p) send[static_cast<std::size_t>(p)] = 100 * w.rank + p;  // to peer p
  w.comm->alltoall(CommGroup::world, send.data(), recv.data(), 1, ElementType::int32);
  for (int p = 0; p < n; ++p) EXPECT_EQ(recv[static_cast<std::size_t>(p)], 100 * p + w.rank);

  // Peer p gets p + 1 elements from every rank: uneven, as MoE token routing is.
  std::vector<std::int64_t> send_counts, send_displs, recv_counts, recv_displs;
  std::vector<std::int32_t> vsend, vrecv;
  for (int p = 0; p < n; ++p) {
    send_displs.push_back(static_cast<std::int64_t>(vsend.size()));
    send_counts.push_back(p + 1);
    for (int i = 0; i <= p; ++i) vsend.push_back(1000 * w.rank + p);
    recv_displs.push_back(static_cast<std::int64_t>(p) * (w.rank + 1));
    recv_counts.push_back(w.rank + 1);
  }
  vrecv.assign(static_cast<std::size_t>(n * (w.rank + 1)), -1);
  w.comm->alltoallv(CommGroup::world, vsend.data(), send_counts, send_displs, vrecv.data(), recv_counts, recv_displs,
                    ElementType::int32);
  for (int p = 0; p < n; ++p)
    for (int i = 0; i <= w.rank; ++i) EXPECT_EQ(vrecv[static_cast<std::size_t>(p * (w.rank + 1) + i)], 1000 * p + w.rank);
}

TEST(Communicator, BroadcastAndSendRecv) {
  const World w;
  const int n = w.size;
  std::vector<std::int64_t> data(4, w.rank == n - 1 ? 42 : 0);
  w.comm->broadcast(CommGroup::world, data.data(), data.data(), 4, ElementType::int64, n - 1);
  EXPECT_EQ(data, std::vector<std::int64_t>(4, 42));

  const int next = (w.rank + 1) % n, prev = (w.rank - 1 + n) % n;
  std::int32_t out = w.rank, in = -1;
  w.comm->send_recv(CommGroup::world, &out, 1, next, &in, 1, prev, ElementType::int32);
  EXPECT_EQ(in, prev);
  w.comm->barrier(CommGroup::world);
}

}  // namespace
}  // namespace flopwall
