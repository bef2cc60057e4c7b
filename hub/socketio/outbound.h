// Encoding of server → client events from backend input, with the checks a
// backend's payload must pass (reserved or empty names, JSON args, namespace
// shape, placeholders that point at real attachments). Encoded once, the
// result is shared by every recipient.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/socketio/socket.h"

namespace hub::socketio {

// Empty means "/"; anything else must start with '/', be at most 256 bytes
// and hold no control characters.
absl::StatusOr<std::string> NormalizeNamespace(std::string_view nsp);

// An EVENT (or BINARY_EVENT when there are attachments) for `nsp`, asking
// the client for an ack when `ack_id` is set.
absl::StatusOr<EncodedPacket> EncodeServerEvent(std::string_view nsp, std::string_view event,
                                                const std::vector<std::string>& args,
                                                const std::vector<std::string>& attachments,
                                                std::optional<uint64_t> ack_id = std::nullopt);

// An ACK (or BINARY_ACK) answering the client's event `ack_id`.
absl::StatusOr<EncodedPacket> EncodeServerAck(std::string_view nsp, uint64_t ack_id,
                                              const std::vector<std::string>& args,
                                              const std::vector<std::string>& attachments);

// Checks backend-supplied args: each one JSON value, placeholders pointing
// at existing attachments.
absl::Status ValidateArgs(const std::vector<std::string>& args,
                          const std::vector<std::string>& attachments);

}  // namespace hub::socketio
