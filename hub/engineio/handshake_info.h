// What a new session's handshake said about the client: the remote address,
// the query parameters and the request headers. A connection keeps it for its
// whole life, because every namespace CONNECT reports it to backends (API.md
// `Connected`) and ListSockets reports the address. Idle connections are most
// connections, so it is packed into one exact-size allocation, common header
// names stored as one-byte codes: about 130 bytes for a minimal WebSocket
// handshake, where vectors of string pairs took about 1 KB with malloc's
// overhead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hub::engineio {

class HandshakeInfo {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  class Builder;

  HandshakeInfo() = default;  // no address, no query, no headers
  HandshakeInfo(const HandshakeInfo& other);
  HandshakeInfo& operator=(const HandshakeInfo& other);
  HandshakeInfo(HandshakeInfo&&) noexcept = default;
  HandshakeInfo& operator=(HandshakeInfo&&) noexcept = default;

  std::string_view remote_address() const;
  // Copies, in request order; header names are lower-case.
  Pairs query() const;
  Pairs headers() const;
  // Bytes held (0 when empty).
  size_t encoded_size() const;

 private:
  explicit HandshakeInfo(std::unique_ptr<char[]> data) : data_(std::move(data)) {}
  std::unique_ptr<char[]> data_;
};

class HandshakeInfo::Builder {
 public:
  void SetRemoteAddress(std::string_view address) { remote_address_ = address; }
  void AddQuery(std::string_view name, std::string_view value);
  // `name` in any case; it is kept lower-case.
  void AddHeader(std::string_view name, std::string_view value);
  HandshakeInfo Build() const;

 private:
  std::string remote_address_;
  std::string query_;  // encoded entries
  std::string headers_;
  uint32_t query_count_ = 0;
  uint32_t header_count_ = 0;
};

}  // namespace hub::engineio
