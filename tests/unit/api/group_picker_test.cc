#include "hub/api/group_picker.h"

#include <vector>

#include "gtest/gtest.h"

namespace hub::api {
namespace {

struct Member {
  bool matches = true;
  bool has_room = true;
};

std::optional<size_t> Pick(const std::vector<Member>& members, size_t start) {
  return PickGroupMember(
      members.size(), start, [&](size_t i) { return members[i].matches; },
      [&](size_t i) { return members[i].has_room; });
}

TEST(GroupPickerTest, RoundRobinOverMembers) {
  std::vector<Member> members(3);
  size_t next = 0;
  std::vector<size_t> picked;
  for (int i = 0; i < 6; ++i) {
    auto p = Pick(members, next);
    ASSERT_TRUE(p.has_value());
    picked.push_back(*p);
    next = *p + 1;
  }
  EXPECT_EQ(picked, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(GroupPickerTest, SkipsMembersWhoseFiltersDoNotMatch) {
  std::vector<Member> members = {{true, true}, {false, true}, {true, true}};
  EXPECT_EQ(Pick(members, 1), 2u);
  EXPECT_EQ(Pick(members, 3), 0u);
}

TEST(GroupPickerTest, PrefersAMemberWithRoom) {
  std::vector<Member> members = {{true, false}, {true, false}, {true, true}};
  EXPECT_EQ(Pick(members, 0), 2u);
}

TEST(GroupPickerTest, AllFullPicksTheFirstMatchingSoTheDropIsCounted) {
  std::vector<Member> members = {{false, true}, {true, false}, {true, false}};
  EXPECT_EQ(Pick(members, 2), 2u);
  EXPECT_EQ(Pick(members, 0), 1u);
}

TEST(GroupPickerTest, NobodyMatches) {
  std::vector<Member> members = {{false, true}, {false, true}};
  EXPECT_FALSE(Pick(members, 0).has_value());
  EXPECT_FALSE(Pick({}, 0).has_value());
}

}  // namespace
}  // namespace hub::api
