// One shard's membership index: sockets by id, by namespace and by room, and
// the Selection resolution over it. A template over the member type so unit
// tests can use plain structs; the hub instantiates it with socketio::Socket.
// Every socket is implicitly in the room named by its own id.
#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hub/core/selection.h"

namespace hub::core {

template <typename Member>
class RoomIndex {
 public:
  void Add(Member* member, const std::string& id, const std::string& nsp) {
    members_.emplace(member, Entry{id, nsp, {}});
    by_id_.emplace(id, member);
    namespaces_[nsp].all.insert(member);
  }

  // Removes the member from its namespace and every room.
  void Remove(Member* member) {
    auto it = members_.find(member);
    if (it == members_.end()) return;
    auto ns = namespaces_.find(it->second.nsp);
    if (ns != namespaces_.end()) {
      for (const auto& room : it->second.rooms) EraseFromRoom(ns->second, room, member);
      ns->second.all.erase(member);
      if (ns->second.all.empty()) namespaces_.erase(ns);
    }
    by_id_.erase(it->second.id);
    members_.erase(it);
  }

  // True when the member was not in the room yet.
  bool Join(Member* member, const std::string& room) {
    auto it = members_.find(member);
    if (it == members_.end() || room == it->second.id) return false;
    if (!it->second.rooms.insert(room).second) return false;
    namespaces_[it->second.nsp].rooms[room].insert(member);
    return true;
  }

  bool Leave(Member* member, const std::string& room) {
    auto it = members_.find(member);
    if (it == members_.end() || it->second.rooms.erase(room) == 0) return false;
    auto ns = namespaces_.find(it->second.nsp);
    if (ns != namespaces_.end()) EraseFromRoom(ns->second, room, member);
    return true;
  }

  Member* Find(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  // The member's own id first, then its rooms in name order.
  std::vector<std::string> RoomsOf(const Member* member) const {
    auto it = members_.find(const_cast<Member*>(member));
    if (it == members_.end()) return {};
    std::vector<std::string> rooms(it->second.rooms.begin(), it->second.rooms.end());
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
        if (room == entry.id || entry.rooms.count(room) > 0) return true;
      }
      return false;
    };

    auto member_of_namespace = [&](const std::string& id) -> Member* {
      Member* member = Find(id);
      if (member == nullptr || members_.at(member).nsp != selection.nsp) return nullptr;
      return member;
    };
    if (selection.whole_namespace()) {
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
  struct Entry {
    std::string id;
    std::string nsp;
    std::unordered_set<std::string> rooms;
  };
  struct Namespace {
    std::unordered_set<Member*> all;
    std::unordered_map<std::string, std::unordered_set<Member*>> rooms;
  };

  static void EraseFromRoom(Namespace& space, const std::string& room, Member* member) {
    auto r = space.rooms.find(room);
    if (r == space.rooms.end()) return;
    r->second.erase(member);
    if (r->second.empty()) space.rooms.erase(r);  // rooms vanish with their last member
  }

  std::unordered_map<Member*, Entry> members_;
  std::unordered_map<std::string, Member*> by_id_;
  std::unordered_map<std::string, Namespace> namespaces_;
};

}  // namespace hub::core
