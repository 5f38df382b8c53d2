#pragma once
// Where this process runs, as a trace records it per rank: the CPUs it may
// run on and the network interfaces of its host (as its own network
// namespace sees them) with their link speeds where the driver tells them.
#include <string>

namespace flopwall {

// sched_getaffinity as a CPU list, "0-3,8-11"; "" where the OS does not tell.
std::string cpu_affinity_list();
// The interfaces that are up, loopback left out, with their speeds:
// "eth0 25000 Mb/s,ib0 200000 Mb/s,veth3 ?" ("?": the driver does not tell).
std::string network_interfaces();

}  // namespace flopwall
