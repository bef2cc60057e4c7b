// Client JSON ↔ MessagePack, for the socket.io Redis adapter format: event
// args travel there as msgpack values with binary buffers inline (bin),
// where the hub keeps JSON text plus attachments pointed to by
// {"_placeholder":true,"num":i}. Lossless for every JSON type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/cluster/msgpack_value.h"

namespace hub::cluster {

// One JSON value → a value tree (no placeholder handling). Validates.
absl::StatusOr<MsgValue> JsonToValue(std::string_view json);

// Appends one JSON value as msgpack; placeholders naming an attachment
// become that attachment as bin.
absl::Status AppendJsonAsMsgpack(std::string_view json, const std::vector<std::string>& attachments,
                                 MsgWriter& out);

// One value → JSON text. Each bin becomes a placeholder numbered after the
// attachments already in `attachments`, and is appended there.
std::string ValueToJson(const MsgValue& value, std::vector<std::string>* attachments);

}  // namespace hub::cluster
