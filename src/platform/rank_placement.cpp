#include "platform/rank_placement.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace flopwall {
namespace {

// The link speed in Mb/s by the ethtool ioctl, which asks the kernel within
// this process's network namespace (sysfs may show another namespace's
// interfaces); -1 where the driver does not tell (SPEED_UNKNOWN) or refuses.
long link_speed_mbps(int sock, const char* name) {
  ethtool_cmd cmd{};
  cmd.cmd = ETHTOOL_GSET;
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  request.ifr_data = reinterpret_cast<char*>(&cmd);
  if (ioctl(sock, SIOCETHTOOL, &request) != 0) return -1;
  const std::uint32_t speed = ethtool_cmd_speed(&cmd);
  return speed == 0 || speed == static_cast<std::uint32_t>(SPEED_UNKNOWN) ? -1 : static_cast<long>(speed);
}

}  // namespace

std::string cpu_affinity_list() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    out += (out.empty() ? "" : ",") + (last == cpu ? fmt::format("{}", cpu) : fmt::format("{}-{}", cpu, last));
    cpu = last;
  }
  return out;
}

std::string network_interfaces() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  const int sock = socket(AF_INET, SOCK_DGRAM, 0);
  std::vector<std::string> seen;
  std::string out;
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    // One entry per interface and address family: take each name once.
    if (!a->ifa_name || (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_UP)) continue;
    const std::string name = a->ifa_name;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    const long speed = sock >= 0 ? link_speed_mbps(sock, a->ifa_name) : -1;
    out += (out.empty() ? "" : ",") + (speed > 0 ? fmt::format("{} {} Mb/s", name, speed) : name + " ?");
  }
  if (sock >= 0) close(sock);
  freeifaddrs(list);
  return out;
}

}  // namespace flopwall
