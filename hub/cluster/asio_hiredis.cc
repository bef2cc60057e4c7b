#include "hub/cluster/asio_hiredis.h"

#include <memory>

#include "boost/asio/posix/stream_descriptor.hpp"

namespace hub::cluster {
namespace {

// Shared with pending waits, so it outlives hiredis's cleanup until every
// wait has completed (aborted).
struct Events {
  Events(boost::asio::io_context& io, int fd) : socket(io, fd) {}
  boost::asio::posix::stream_descriptor socket;
  redisAsyncContext* context = nullptr;  // null once hiredis freed it
  bool want_read = false, want_write = false;
  bool read_armed = false, write_armed = false;
};

struct Handle {
  std::shared_ptr<Events> events;
};

void ArmRead(const std::shared_ptr<Events>& ev) {
  if (ev->read_armed || !ev->want_read || ev->context == nullptr) return;
  ev->read_armed = true;
  ev->socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [ev](const boost::system::error_code& ec) {
                          ev->read_armed = false;
                          if (ec || ev->context == nullptr || !ev->want_read) return;
                          redisAsyncHandleRead(ev->context);  // may free the context
                          ArmRead(ev);
                        });
}

void ArmWrite(const std::shared_ptr<Events>& ev) {
  if (ev->write_armed || !ev->want_write || ev->context == nullptr) return;
  ev->write_armed = true;
  ev->socket.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                        [ev](const boost::system::error_code& ec) {
                          ev->write_armed = false;
                          if (ec || ev->context == nullptr || !ev->want_write) return;
                          redisAsyncHandleWrite(ev->context);
                          ArmWrite(ev);
                        });
}

std::shared_ptr<Events>& Of(void* data) { return static_cast<Handle*>(data)->events; }

void AddRead(void* data) {
  auto& ev = Of(data);
  ev->want_read = true;
  ArmRead(ev);
}
void DelRead(void* data) { Of(data)->want_read = false; }
void AddWrite(void* data) {
  auto& ev = Of(data);
  ev->want_write = true;
  ArmWrite(ev);
}
void DelWrite(void* data) { Of(data)->want_write = false; }
void Cleanup(void* data) {
  auto* handle = static_cast<Handle*>(data);
  auto& ev = handle->events;
  ev->context = nullptr;
  boost::system::error_code ignored;
  ev->socket.cancel(ignored);
  // hiredis closes the descriptor itself.
  ev->socket.release();
  delete handle;
}

}  // namespace

void AttachToAsio(redisAsyncContext* context, boost::asio::io_context& io) {
  auto* handle = new Handle{std::make_shared<Events>(io, context->c.fd)};
  handle->events->context = context;
  context->ev.data = handle;
  context->ev.addRead = AddRead;
  context->ev.delRead = DelRead;
  context->ev.addWrite = AddWrite;
  context->ev.delWrite = DelWrite;
  context->ev.cleanup = Cleanup;
}

}  // namespace hub::cluster
