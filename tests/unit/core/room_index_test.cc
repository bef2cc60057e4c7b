#include "hub/core/room_index.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hub::core {
namespace {

struct FakeSocket {
  std::string id;
};

class RoomIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"a", "b", "c", "d"}) {
      sockets_.push_back(FakeSocket{id});
    }
    for (auto& s : sockets_) index_.Add(&s, s.id, "/");
    other_ = FakeSocket{"x"};
    index_.Add(&other_, "x", "/chat");
    index_.Join(&sockets_[0], "red");
    index_.Join(&sockets_[1], "red");
    index_.Join(&sockets_[1], "blue");
    index_.Join(&sockets_[2], "blue");
    index_.Join(&other_, "red");
  }

  std::vector<std::string> Ids(const Selection& selection) {
    std::vector<std::string> ids;
    for (FakeSocket* s : index_.Select(selection)) ids.push_back(s->id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::vector<FakeSocket> sockets_;
  FakeSocket other_;
  RoomIndex<FakeSocket> index_;
};

TEST_F(RoomIndexTest, WholeNamespace) {
  EXPECT_EQ(Ids({"/", {}, {}, {}, {}}), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(Ids({"/chat", {}, {}, {}, {}}), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(Ids({"/none", {}, {}, {}, {}}).empty());
}

TEST_F(RoomIndexTest, UnionOfSocketsAndRooms) {
  EXPECT_EQ(Ids({"/", {}, {"red"}, {}, {}}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids({"/", {"d"}, {"red", "blue"}, {}, {}}), (std::vector<std::string>{"a", "b", "c", "d"}));
  // A socket is in the room named by its id.
  EXPECT_EQ(Ids({"/", {}, {"c"}, {}, {}}), (std::vector<std::string>{"c"}));
  // Ids and rooms of another namespace do not leak in.
  EXPECT_EQ(Ids({"/", {"x"}, {}, {}, {}}), (std::vector<std::string>{}));
  EXPECT_EQ(Ids({"/chat", {}, {"red"}, {}, {}}), (std::vector<std::string>{"x"}));
}

TEST_F(RoomIndexTest, Exceptions) {
  EXPECT_EQ(Ids({"/", {}, {}, {"blue"}, {}}), (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(Ids({"/", {}, {"red"}, {}, {"a"}}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Ids({"/", {}, {}, {"d"}, {"a"}}), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Ids({"/", {}, {"red", "blue"}, {"red"}, {}}), (std::vector<std::string>{"c"}));
}

TEST_F(RoomIndexTest, ARoomNamedLikeASocketHoldsBoth) {
  index_.Join(&sockets_[0], "b");  // a room that is also socket b's own room
  EXPECT_EQ(Ids({"/", {}, {"b"}, {}, {}}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids({"/", {}, {"b"}, {}, {"b"}}), (std::vector<std::string>{"a"}));
  index_.Join(&sockets_[1], "b");  // own room: a no-op, b still counted once
  EXPECT_EQ(index_.Select({"/", {}, {"b"}, {}, {}}).size(), 2u);
}

TEST_F(RoomIndexTest, EachSocketOnce) {
  EXPECT_EQ(index_.Select({"/", {"b", "b"}, {"red", "blue", "b"}, {}, {}}).size(), 3u);
}

TEST_F(RoomIndexTest, JoinLeaveAndRoomsOf) {
  EXPECT_FALSE(index_.Join(&sockets_[0], "red"));  // already in
  EXPECT_FALSE(index_.Join(&sockets_[0], "a"));    // own room is implicit
  EXPECT_EQ(index_.RoomsOf(&sockets_[1]), (std::vector<std::string>{"b", "blue", "red"}));
  EXPECT_TRUE(index_.Leave(&sockets_[1], "red"));
  EXPECT_FALSE(index_.Leave(&sockets_[1], "red"));
  EXPECT_EQ(Ids({"/", {}, {"red"}, {}, {}}), (std::vector<std::string>{"a"}));
  EXPECT_EQ(index_.room_count("/"), 2u);
  index_.Leave(&sockets_[0], "red");
  EXPECT_EQ(index_.room_count("/"), 1u);  // empty rooms vanish
}

TEST_F(RoomIndexTest, RemoveLeavesEveryRoom) {
  index_.Remove(&sockets_[1]);
  EXPECT_EQ(index_.Find("b"), nullptr);
  EXPECT_EQ(Ids({"/", {}, {"red"}, {}, {}}), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Ids({"/", {}, {"blue"}, {}, {}}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(index_.size(), 4u);
  index_.Remove(&other_);
  EXPECT_EQ(index_.namespace_size("/chat"), 0u);
}

TEST_F(RoomIndexTest, RemovingFromTheMiddleKeepsTheOthers) {
  index_.Remove(&sockets_[0]);  // another member takes its slot
  EXPECT_EQ(Ids({"/", {}, {}, {}, {}}), (std::vector<std::string>{"b", "c", "d"}));
  index_.Remove(&sockets_[3]);
  index_.Remove(&sockets_[1]);
  EXPECT_EQ(Ids({"/", {}, {}, {}, {}}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(index_.Find("c"), &sockets_[2]);
  EXPECT_EQ(Ids({"/", {}, {"c"}, {}, {}}), (std::vector<std::string>{"c"}));
  index_.Add(&sockets_[0], "a", "/");  // back, without its old rooms
  EXPECT_EQ(Ids({"/", {}, {}, {}, {}}), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(index_.RoomsOf(&sockets_[0]), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(Ids({"/", {}, {"red"}, {}, {}}).empty());
}

TEST_F(RoomIndexTest, OwnRoomIsNotStored) {
  // Only joined rooms count; each socket's own room is resolved by its id.
  EXPECT_EQ(index_.room_count("/"), 2u);
  index_.Leave(&sockets_[0], "red");
  index_.Leave(&sockets_[1], "red");
  index_.Leave(&sockets_[1], "blue");
  index_.Leave(&sockets_[2], "blue");
  EXPECT_EQ(index_.room_count("/"), 0u);
  EXPECT_EQ(index_.RoomsOf(&sockets_[1]), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Ids({"/", {}, {"b"}, {}, {}}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Ids({"/", {}, {}, {"b"}, {}}), (std::vector<std::string>{"a", "c", "d"}));
}

TEST_F(RoomIndexTest, ATakenIdIsNotAddedTwice) {
  FakeSocket twin{"a"};
  index_.Add(&twin, "a", "/");
  EXPECT_EQ(index_.Find("a"), &sockets_[0]);
  EXPECT_EQ(index_.size(), 5u);
  index_.Remove(&twin);  // not a member: a no-op
  EXPECT_EQ(index_.Find("a"), &sockets_[0]);
  EXPECT_EQ(index_.namespace_size("/"), 4u);
}

TEST_F(RoomIndexTest, RoomNamesOfANamespaceIncludeEachSocketsOwnRoom) {
  auto names = index_.RoomNames("/");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "blue", "c", "d", "red"}));
  names = index_.RoomNames("/chat");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"red", "x"}));
  EXPECT_TRUE(index_.RoomNames("/nobody").empty());
}

}  // namespace
}  // namespace hub::core
