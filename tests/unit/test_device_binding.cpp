// The device-binding rule, without a GPU: which device each local rank
// drives, and which pair of ranks is caught sharing one.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "backend/device_binding.hpp"

namespace flopwall {
namespace {

TEST(DeviceBinding, OneVisibleDeviceIsAlwaysDeviceZero) {
  // The scheduler isolated one GPU per rank (CUDA_VISIBLE_DEVICES per task).
  for (int local_rank = 0; local_rank < 8; ++local_rank) EXPECT_EQ(device_for_local_rank(local_rank, 1), 0);
}

TEST(DeviceBinding, SeveralVisibleDevicesGoByLocalRankModuloCount) {
  EXPECT_EQ(device_for_local_rank(0, 8), 0);
  EXPECT_EQ(device_for_local_rank(5, 8), 5);
  EXPECT_EQ(device_for_local_rank(7, 4), 3);
  EXPECT_EQ(device_for_local_rank(4, 4), 0);
}

TEST(DeviceBinding, NoDeviceIsAProgrammingError) {
  EXPECT_THROW(device_for_local_rank(0, 0), std::invalid_argument);
  EXPECT_THROW(device_for_local_rank(-1, 2), std::invalid_argument);
}

TEST(DeviceBinding, DistinctDevicesShareNothing) {
  const std::vector<std::string> uuids{"aa", "bb", "cc", "dd"};
  EXPECT_FALSE(first_shared_device(uuids).has_value());
  EXPECT_FALSE(first_shared_device(std::vector<std::string>{}).has_value());
}

TEST(DeviceBinding, TheFirstSharingPairIsNamedLowestFirst) {
  // Five ranks on four GPUs: local rank 4 wraps around onto rank 0's device.
  std::vector<std::string> uuids;
  for (int r = 0; r < 5; ++r) uuids.push_back("gpu" + std::to_string(device_for_local_rank(r, 4)));
  const auto pair = first_shared_device(uuids);
  ASSERT_TRUE(pair.has_value());
  EXPECT_EQ(pair->first, 0);
  EXPECT_EQ(pair->second, 4);

  const std::vector<std::string> middle{"aa", "bb", "cc", "bb", "aa"};
  const auto p2 = first_shared_device(middle);
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(*p2, std::make_pair(1, 3));
}

}  // namespace
}  // namespace flopwall
