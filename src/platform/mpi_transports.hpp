#pragma once
// The Open MPI transports this process uses.
#include <string_view>

#include "platform/machine_inventory.hpp"

namespace flopwall {

// Open MPI keeps only the components it selected loaded after MPI_Init; the
// mapped mca_pml_*.so / mca_btl_*.so / mca_mtl_*.so name them. Names without
// prefix and suffix ("ob1", "vader"), deduplicated and sorted; empty lists
// under another MPI library or an Open MPI built with static components.
MpiTransports parse_loaded_transports(std::string_view proc_maps_text);
MpiTransports loaded_mpi_transports();  // reads /proc/self/maps; call after MPI_Init

}  // namespace flopwall
