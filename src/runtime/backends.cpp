#include "runtime/backends.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "platform/mpi_check.hpp"
#include "runtime/cuda_plugin.hpp"

namespace flopwall {

// The one place that asks which backends this binary was built with.
const std::vector<BackendEntry>& backends() {
  static const std::vector<BackendEntry> table{
      cpu_backend_entry(),
#if FLOPWALL_HAVE_CUDA
      cuda_plugin_backend_entry(),  // loads build/libflopwall_cuda.so on first need
#else
      cuda_backend_facts(),
#endif
  };
  return table;
}

std::string compiled_backends() {
  std::vector<std::string_view> names;
  for (const BackendEntry& b : backends())
    if (b.compiled) names.push_back(b.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string backend_names() {
  std::vector<std::string_view> names;
  for (const BackendEntry& b : backends()) names.push_back(b.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

bool is_backend_name(std::string_view name) {
  for (const BackendEntry& b : backends())
    if (b.name == name) return true;
  return false;
}

const BackendEntry& backend_entry(std::string_view name) {
  for (const BackendEntry& b : backends())
    if (b.name == name) return b;
  throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", name, backend_names()));
}

const BackendEntry& backend_named(std::string_view name) {
  for (const BackendEntry& b : backends()) {
    if (b.name != name) continue;
    if (!b.compiled)
      throw UsageError(fmt::format("--backend {} is not available: this flopwall was built without the {} backend; "
                                   "valid here: {}",
                                   name, b.title, compiled_backends()));
    return b;
  }
  throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", name, compiled_backends()));
}

KeyValues backend_versions() {
  KeyValues out;
  for (const BackendEntry& b : backends())
    if (b.compiled && b.versions)
      for (auto& kv : b.versions()) out.push_back(std::move(kv));
  return out;
}

std::string resolve_backend(const std::string& requested, std::string& note) {
  if (!requested.empty()) {
    const BackendEntry& b = backend_named(requested);
    if (b.load)
      if (const std::optional<std::string> why = b.load()) throw UsageError(fmt::format("--backend {}: {}", b.name, *why));
    return std::string(b.name);
  }
  for (const BackendEntry& b : backends()) {
    if (!b.compiled || !b.accelerator) continue;
    const std::optional<std::string> why = b.unavailable();
    if (!why) return std::string(b.name);
    note = fmt::format("no {} device is visible ({}); using the cpu backend", b.title, *why);
  }
  return "cpu";
}

std::string resolve_backend_everywhere(const std::string& requested, std::string& note) {
  std::string backend;
  agreed(MPI_COMM_WORLD, [&] { backend = resolve_backend(requested, note); });
  int accelerated_here = backend != "cpu" ? 1 : 0, accelerated_everywhere = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&accelerated_here, &accelerated_everywhere, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  if (accelerated_here && !accelerated_everywhere) {
    note = fmt::format("some ranks see no {} device; every rank uses the cpu backend", backend_named(backend).title);
    backend = "cpu";
  }
  return backend;
}

Backend make_backend(std::string_view name, const DeviceRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                     const ParallelLayout& layout) {
  const BackendEntry& entry = backend_named(name);
  Backend b;
  b.device = entry.make_device(request, plan, mpi);
  Device* device = b.device.get();
  b.comm = make_communicator(MPI_COMM_WORLD, layout, [&](MPI_Comm comm) {
    return entry.make_transport(comm, {.timeout_s = request.timeout_s, .device = device});
  });
  // A device that waits on its queue stops waiting when a transport fails.
  b.device->watch_transport_errors([comm = b.comm.get()] { comm->check_async_errors(); });
  return b;
}

TransportFactory make_transport_factory(std::string_view name, const MpiEnvironment& mpi, double timeout_s) {
  const BackendEntry& entry = backend_named(name);
  if (entry.prepare_transports) entry.prepare_transports(mpi);
  return [make = entry.make_transport, timeout_s](MPI_Comm comm) { return make(comm, {.timeout_s = timeout_s}); };
}

}  // namespace flopwall
