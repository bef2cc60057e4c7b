// A connected stream socket pair for tests that write to a real descriptor:
// write to writer(), read what arrived with ReadAvailable(). Both ends close
// with the object.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace hub::engineio {

class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, ends_), 0); }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  ~SocketPair() {
    close(ends_[0]);
    close(ends_[1]);
  }

  int writer() const { return ends_[0]; }
  // Everything the reading end has now, without waiting.
  std::string ReadAvailable() const {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = recv(ends_[1], buffer, sizeof buffer, MSG_DONTWAIT)) > 0) out.append(buffer, static_cast<size_t>(n));
    return out;
  }

 private:
  int ends_[2] = {-1, -1};
};

}  // namespace hub::engineio
