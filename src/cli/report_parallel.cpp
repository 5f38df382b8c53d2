#include "cli/report_parallel.hpp"

#include <fmt/format.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "analysis/report_streaming.hpp"
#include "cli/mpi_job.hpp"
#include "cli/report_output.hpp"
#include "core/error.hpp"
#include "platform/mpi_check.hpp"
#include "trace/sweep_tables.hpp"

namespace flopwall {
namespace {

std::vector<std::string> gather_strings(MPI_Comm comm, const std::string& mine, int rank, int size) {
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  FLOPWALL_MPI_CHECK(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm));
  std::string all;
  if (rank == 0) {
    int at = 0;
    for (int p = 0; p < size; ++p) {
      offsets[static_cast<std::size_t>(p)] = at;
      at += lens[static_cast<std::size_t>(p)];
    }
    all.resize(static_cast<std::size_t>(at));
  }
  FLOPWALL_MPI_CHECK(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, 0, comm));
  std::vector<std::string> out;
  if (rank == 0)
    for (int p = 0; p < size; ++p)
      out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(p)]),
                               static_cast<std::size_t>(lens[static_cast<std::size_t>(p)])));
  return out;
}

}  // namespace

int report_with_peers(int argc, char** argv, const std::string& path, const std::string& format) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string&) {
    const MPI_Comm world = MPI_COMM_WORLD;
    const int rank = mpi.rank(), size = mpi.size();
    std::optional<TraceStream> stream;
    bool sweep = false;
    std::vector<std::int64_t> bounds;
    agreed(world, [&] {
      stream.emplace(path);
      sweep = read_sweep_tables(path).has_value();
      if (!sweep) bounds = split_iterations(*stream, size);
    });
    std::string output;
    if (sweep) {
      agreed(world, [&] {
        if (rank == 0) output = report_in_memory(path, format, read_sweep_tables(path));
      });
    } else {
      // Process p takes iterations [bounds[p], bounds[p+1]): a share of the chunks.
      const std::int64_t first = bounds[static_cast<std::size_t>(rank)];
      const std::int64_t end = bounds[static_cast<std::size_t>(rank) + 1];
      StreamedTotals part;
      int unordered = 0;
      agreed(world, [&] {
        try {
          part = stream_report_totals(*stream, first, end);
        } catch (const UnorderedTrace&) {
          unordered = 1;
        }
      });
      // The ranges must meet row for row: process p stops where p+1 starts.
      std::string rows;
      for (const auto* v : {&part.start_rows, &part.stop_rows})
        for (const std::uint64_t r : *v) rows.append(reinterpret_cast<const char*>(&r), sizeof r);
      const std::vector<std::string> all_rows = gather_strings(world, unordered ? std::string() : rows, rank, size);
      const std::vector<std::string> all_totals =
          gather_strings(world, unordered ? std::string() : part.totals.serialize(), rank, size);
      agreed(world, [&] {
        if (rank != 0) return;
        const std::size_t n = stream->rank_count();
        bool meet = true;
        const auto row = [&](int p, int which, std::size_t r) {
          std::uint64_t v = 0;
          std::memcpy(&v, all_rows[static_cast<std::size_t>(p)].data() + (which * n + r) * sizeof v, sizeof v);
          return v;
        };
        for (int p = 0; p < size && meet; ++p)
          if (all_rows[static_cast<std::size_t>(p)].size() != 2 * n * sizeof(std::uint64_t)) meet = false;
        for (std::size_t r = 0; r < n && meet; ++r) {
          meet = row(0, 0, r) == 0 && row(size - 1, 1, r) == stream->rows(r);
          for (int p = 0; p + 1 < size && meet; ++p) meet = row(p, 1, r) == row(p + 1, 0, r);
        }
        if (!meet) {
          output = report_in_memory(path, format, std::nullopt);
          return;
        }
        ReportTotals totals = ReportTotals::deserialize(all_totals[0]);
        for (int p = 1; p < size; ++p) totals.merge(ReportTotals::deserialize(all_totals[static_cast<std::size_t>(p)]));
        output = report_streamed(*stream, std::move(totals), format);
      });
    }
    if (rank == 0) std::cout << output << std::flush;
    return k_exit_ok;
  });
}

}  // namespace flopwall
