// One non-blocking write of gathered buffers to a socket, as every write path
// of the hub makes it: without SIGPIPE, never waiting for buffer space.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>

namespace hub::engineio {

// Flags of every data write: a full socket buffer answers EAGAIN at once.
inline constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;

// Bytes written, or -errno.
inline ssize_t SendGathered(int fd, const iovec* iov, size_t count) {
  ssize_t sent;
  do {
    if (count == 1) {
      // Most writes are one frame: send() skips copying an iovec array in.
      sent = ::send(fd, iov[0].iov_base, iov[0].iov_len, kSendFlags);
    } else {
      msghdr message{};
      message.msg_iov = const_cast<iovec*>(iov);
      message.msg_iovlen = count;
      sent = ::sendmsg(fd, &message, kSendFlags);
    }
  } while (sent < 0 && errno == EINTR);
  return sent < 0 ? -errno : sent;
}

}  // namespace hub::engineio
