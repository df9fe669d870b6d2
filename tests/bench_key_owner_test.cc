// Tests for ringkv-bench's key selection by owner (--keys-owned-by / --keys-not-owned-by), with a
// fake CLUSTER KEYNODE lookup (tools/ringkv_bench/key_owner.h, header-only).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/ringkv_bench/key_owner.h"

namespace ringkv {
namespace bench {
namespace {

// Key i is owned by node n(i % 3 + 1) at 127.0.0.1:700(i % 3 + 1). Records the batch sizes.
struct FakeLookup {
  std::vector<size_t>* batches;
  bool operator()(uint64_t first, size_t count, std::vector<KeyOwner>* owners) const {
    batches->push_back(count);
    for (uint64_t i = first; i < first + count; ++i) {
      std::string n = std::to_string(i % 3 + 1);
      owners->push_back({"n" + n, "127.0.0.1:700" + n});
    }
    return true;
  }
};

TEST(BenchKeyOwner, NodeMatchesByIdOrAddress) {
  KeyOwner o{"n2", "127.0.0.1:7002"};
  EXPECT_TRUE(NodeMatches("n2", o));
  EXPECT_TRUE(NodeMatches("127.0.0.1:7002", o));
  EXPECT_FALSE(NodeMatches("n1", o));
  EXPECT_FALSE(NodeMatches("127.0.0.1:7001", o));
  EXPECT_FALSE(NodeMatches("7002", o));
}

TEST(BenchKeyOwner, OwnedAndNotOwnedPartitionTheKeySpace) {
  std::vector<size_t> batches;
  std::vector<uint64_t> owned, not_owned;
  std::string err;
  ASSERT_TRUE(SelectKeysByOwner(10, 4, "n1", true, FakeLookup{&batches}, &owned, &err)) << err;
  EXPECT_EQ(owned, (std::vector<uint64_t>{0, 3, 6, 9}));
  EXPECT_EQ(batches, (std::vector<size_t>{4, 4, 2}));  // the last batch is the remainder
  ASSERT_TRUE(
      SelectKeysByOwner(10, 4, "127.0.0.1:7001", false, FakeLookup{&batches}, &not_owned, &err))
      << err;
  EXPECT_EQ(not_owned, (std::vector<uint64_t>{1, 2, 4, 5, 7, 8}));
}

TEST(BenchKeyOwner, UnknownNodeFailsAndNamesTheOwners) {
  std::vector<size_t> batches;
  std::vector<uint64_t> keys;
  std::string err;
  // Without the check, --keys-not-owned-by with a typo would quietly select every key.
  EXPECT_FALSE(
      SelectKeysByOwner(10, 4, "127.0.0.1:9999", false, FakeLookup{&batches}, &keys, &err));
  EXPECT_NE(err.find("no key is owned by '127.0.0.1:9999'"), std::string::npos) << err;
  EXPECT_NE(err.find("n2 (127.0.0.1:7002)"), std::string::npos) << err;
}

TEST(BenchKeyOwner, EveryKeyOwnedLeavesNothingNotOwned) {
  auto one_node = [](uint64_t, size_t count, std::vector<KeyOwner>* owners) {
    owners->assign(count, KeyOwner{"n1", "127.0.0.1:7001"});
    return true;
  };
  std::vector<uint64_t> keys;
  std::string err;
  ASSERT_TRUE(SelectKeysByOwner(5, 2, "n1", true, one_node, &keys, &err)) << err;
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_FALSE(SelectKeysByOwner(5, 2, "n1", false, one_node, &keys, &err));
  EXPECT_NE(err.find("every key is owned by 'n1'"), std::string::npos) << err;
}

TEST(BenchKeyOwner, LookupErrorsAndShortAnswersFail) {
  std::vector<uint64_t> keys;
  std::string err;
  auto failing = [](uint64_t, size_t, std::vector<KeyOwner>*) { return false; };
  EXPECT_FALSE(SelectKeysByOwner(5, 2, "n1", true, failing, &keys, &err));
  auto short_answer = [](uint64_t, size_t count, std::vector<KeyOwner>* owners) {
    owners->assign(count - 1, KeyOwner{"n1", "127.0.0.1:7001"});
    return true;
  };
  EXPECT_FALSE(SelectKeysByOwner(5, 2, "n1", true, short_answer, &keys, &err));
  EXPECT_EQ(err, "asked the owners of 2 keys, got 1");
}

}  // namespace
}  // namespace bench
}  // namespace ringkv
