// One shard's membership index: sockets by id, by namespace and by room, and
// the Selection resolution over it. A template over the member type so unit
// tests can use plain structs; the hub instantiates it with socketio::Socket.
// Every socket is implicitly in the room named by its own id, resolved through
// the id index: nothing is stored for it.
//
// Idle connections are most connections, so a member costs two hash nodes
// (by member, by id) and a slot in its namespace's vector; its set of rooms
// is allocated at its first Join.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hub/core/selection.h"

namespace hub::core {

template <typename Member>
class RoomIndex {
 public:
  // Adding a member twice, or a second member with a taken id, is a no-op.
  void Add(Member* member, const std::string& id, const std::string& nsp) {
    if (members_.count(member) > 0 || by_id_.count(id) > 0) return;
    auto [ns, created] = namespaces_.try_emplace(nsp);
    if (created) ns->second.name = nsp;
    Namespace& space = ns->second;
    auto it = members_.emplace(member, Entry{id, &space, space.all.size(), nullptr}).first;
    by_id_.emplace(it->second.id, member);  // views the entry's id: nodes never move
    space.all.push_back(member);
  }

  // Removes the member from its namespace and every room.
  void Remove(Member* member) {
    auto it = members_.find(member);
    if (it == members_.end()) return;
    Entry& entry = it->second;
    Namespace& space = *entry.space;
    if (entry.rooms) {
      for (const auto& room : *entry.rooms) EraseFromRoom(space, room, member);
    }
    // Swap-remove from the namespace's members.
    Member* moved = space.all.back();
    space.all[entry.slot] = moved;
    members_.find(moved)->second.slot = entry.slot;
    space.all.pop_back();
    if (space.all.empty()) {
      namespaces_.erase(namespaces_.find(space.name));
    } else if (space.all.size() < space.all.capacity() / 4) {
      space.all.shrink_to_fit();  // give memory back after a wave of disconnects
    }
    by_id_.erase(std::string_view(entry.id));
    members_.erase(it);
  }

  // True when the member was not in the room yet.
  bool Join(Member* member, const std::string& room) {
    auto it = members_.find(member);
    if (it == members_.end() || room == it->second.id) return false;
    Entry& entry = it->second;
    if (!entry.rooms) entry.rooms = std::make_unique<std::unordered_set<std::string>>();
    if (!entry.rooms->insert(room).second) return false;
    entry.space->rooms[room].insert(member);
    return true;
  }

  bool Leave(Member* member, const std::string& room) {
    auto it = members_.find(member);
    if (it == members_.end()) return false;
    Entry& entry = it->second;
    if (!entry.rooms || entry.rooms->erase(room) == 0) return false;
    if (entry.rooms->empty()) entry.rooms.reset();
    EraseFromRoom(*entry.space, room, member);
    return true;
  }

  Member* Find(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  // The member's own id first, then its rooms in name order.
  std::vector<std::string> RoomsOf(const Member* member) const {
    auto it = members_.find(const_cast<Member*>(member));
    if (it == members_.end()) return {};
    std::vector<std::string> rooms;
    if (it->second.rooms) rooms.assign(it->second.rooms->begin(), it->second.rooms->end());
    std::sort(rooms.begin(), rooms.end());
    rooms.insert(rooms.begin(), it->second.id);
    return rooms;
  }

  const std::string* IdOf(const Member* member) const {
    auto it = members_.find(const_cast<Member*>(member));
    return it == members_.end() ? nullptr : &it->second.id;
  }

  // The selected members, each once, in no particular order.
  std::vector<Member*> Select(const Selection& selection) const {
    std::vector<Member*> out;
    auto ns = namespaces_.find(selection.nsp);
    if (ns == namespaces_.end()) return out;
    const Namespace& space = ns->second;

    const bool has_exceptions =
        !selection.except_rooms.empty() || !selection.except_socket_ids.empty();
    auto excluded = [&](Member* member) {
      if (!has_exceptions) return false;
      const Entry& entry = members_.at(member);
      for (const auto& id : selection.except_socket_ids) {
        if (id == entry.id) return true;
      }
      for (const auto& room : selection.except_rooms) {
        if (room == entry.id || (entry.rooms && entry.rooms->count(room) > 0)) return true;
      }
      return false;
    };

    auto member_of_namespace = [&](const std::string& id) -> Member* {
      Member* member = Find(id);
      if (member == nullptr || members_.at(member).space != &space) return nullptr;
      return member;
    };
    if (selection.whole_namespace()) {
      if (!has_exceptions) return space.all;  // one copy of the member list
      out.reserve(space.all.size());
      for (Member* member : space.all) {
        if (!excluded(member)) out.push_back(member);
      }
      return out;
    }
    if (selection.socket_ids.empty() && selection.rooms.size() == 1) {
      // The common room broadcast: one room's members are distinct already,
      // so no de-duplication set is needed.
      const std::string& room = selection.rooms.front();
      const std::unordered_set<Member*>* members = nullptr;
      if (auto r = space.rooms.find(room); r != space.rooms.end()) members = &r->second;
      if (members != nullptr) {
        out.reserve(members->size() + 1);
        for (Member* member : *members) {
          if (!excluded(member)) out.push_back(member);
        }
      }
      Member* own = member_of_namespace(room);  // a socket's own room
      if (own != nullptr && (members == nullptr || members->count(own) == 0) && !excluded(own)) {
        out.push_back(own);
      }
      return out;
    }
    std::unordered_set<Member*> seen;
    auto consider = [&](Member* member) {
      if (seen.insert(member).second && !excluded(member)) out.push_back(member);
    };
    for (const auto& id : selection.socket_ids) {
      if (Member* member = member_of_namespace(id)) consider(member);
    }
    for (const auto& room : selection.rooms) {
      if (auto r = space.rooms.find(room); r != space.rooms.end()) {
        for (Member* member : r->second) consider(member);
      }
      if (Member* member = member_of_namespace(room)) consider(member);  // a socket's own room
    }
    return out;
  }

  size_t size() const { return members_.size(); }
  size_t namespace_size(const std::string& nsp) const {
    auto ns = namespaces_.find(nsp);
    return ns == namespaces_.end() ? 0 : ns->second.all.size();
  }
  // Every room of the namespace with a member, each socket's own room
  // included (socket.io lists those too), in no particular order.
  std::vector<std::string> RoomNames(const std::string& nsp) const {
    std::vector<std::string> out;
    auto ns = namespaces_.find(nsp);
    if (ns == namespaces_.end()) return out;
    out.reserve(ns->second.rooms.size() + ns->second.all.size());
    for (const auto& [room, members] : ns->second.rooms) out.push_back(room);
    for (Member* member : ns->second.all) out.push_back(members_.at(member).id);
    return out;
  }
  size_t room_count(const std::string& nsp) const {
    auto ns = namespaces_.find(nsp);
    return ns == namespaces_.end() ? 0 : ns->second.rooms.size();
  }

 private:
  struct Namespace;
  struct Entry {
    std::string id;
    Namespace* space;  // a node of namespaces_: it does not move
    size_t slot;       // index in space->all
    std::unique_ptr<std::unordered_set<std::string>> rooms;  // null until the first Join
  };
  struct Namespace {
    std::string name;
    std::vector<Member*> all;
    std::unordered_map<std::string, std::unordered_set<Member*>> rooms;
  };

  static void EraseFromRoom(Namespace& space, const std::string& room, Member* member) {
    auto r = space.rooms.find(room);
    if (r == space.rooms.end()) return;
    r->second.erase(member);
    if (r->second.empty()) space.rooms.erase(r);  // rooms vanish with their last member
  }

  std::unordered_map<Member*, Entry> members_;
  std::unordered_map<std::string_view, Member*> by_id_;  // views Entry::id
  std::unordered_map<std::string, Namespace> namespaces_;
};

}  // namespace hub::core
