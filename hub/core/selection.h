// Which sockets a backend command targets, after validation: Socket.IO's
// broadcast-operator semantics (see Selector in proto/hub/v1/hub.proto).
#pragma once

#include <string>
#include <vector>

namespace hub::core {

struct Selection {
  std::string nsp = "/";
  std::vector<std::string> socket_ids;
  std::vector<std::string> rooms;
  std::vector<std::string> except_rooms;
  std::vector<std::string> except_socket_ids;

  // No ids and no rooms: the whole namespace.
  bool whole_namespace() const { return socket_ids.empty() && rooms.empty(); }
};

}  // namespace hub::core
