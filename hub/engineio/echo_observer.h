// Diagnostic echo mode (--echo_path, off by default): a raw Engine.IO session
// that sends every MESSAGE straight back, with no Socket.IO on top. It exists
// so the official Engine.IO protocol suite can run against the same transport
// code that serves Socket.IO clients; never enable it in production.
#pragma once

#include "hub/engineio/session.h"
#include "hub/engineio/wire_frame.h"

namespace hub::engineio {

class EchoObserver : public SessionObserver {
 public:
  explicit EchoObserver(Session& session) : session_(session) {}

  void OnMessage(std::string_view data, bool binary) override {
    session_.Send(binary ? WireFrame::Binary(data) : WireFrame::Text(PacketType::kMessage, data));
  }
  void OnClose(DisconnectReason) override {}

 private:
  Session& session_;
};

}  // namespace hub::engineio
