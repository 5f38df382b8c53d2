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
#include "platform/mpi_environment.hpp"
#include "trace/sweep_tables.hpp"

namespace flopwall {

int report_with_peers(int argc, char** argv, const std::string& path, const std::string& format,
                      std::optional<std::size_t> point, const std::optional<std::string>& out) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string&) {
    const MPI_Comm world = MPI_COMM_WORLD;
    const int rank = mpi.rank(), size = mpi.size();
    std::optional<TraceStream> stream;
    std::optional<SweepResult> sweep;  // read once: a trace with them is a sweep
    std::vector<std::int64_t> bounds;
    bool alone = point.has_value();
    agreed(world, [&] {
      if (alone) return;
      stream.emplace(path);
      alone = stream->sweep().has_value();
      if (alone) return;
      sweep = read_sweep_tables(path);
      if (!sweep) bounds = split_iterations(*stream, size);
    });
    std::string output;
    if (alone) {
      agreed(world, [&] {
        if (rank == 0) output = report_alone(path, format, point);
      });
    } else if (sweep) {
      agreed(world, [&] {
        if (rank == 0) output = report_in_memory(*stream, format, std::move(sweep));
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
      const std::vector<std::string> all_rows = allgather_strings(world, unordered ? std::string() : rows);
      const std::vector<std::string> all_totals =
          allgather_strings(world, unordered ? std::string() : part.totals.serialize());
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
          output = report_in_memory(*stream, format, std::nullopt);
          return;
        }
        ReportTotals totals = ReportTotals::deserialize(all_totals[0]);
        for (int p = 1; p < size; ++p) totals.merge(ReportTotals::deserialize(all_totals[static_cast<std::size_t>(p)]));
        output = report_streamed(*stream, std::move(totals), format);
      });
    }
    if (rank == 0) emit_report(output, out);
    return k_exit_ok;
  });
}

}  // namespace flopwall
