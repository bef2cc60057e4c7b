#include "hub/engineio/handshake_info.h"

#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "hub/base/strings.h"

namespace hub::engineio {
namespace {

// Layout of the packed form: a 4-byte total size, then varints and bytes:
//   address length, address,
//   query count, each (name length, name, value length, value),
//   header count, each (name tag, [name], value length, value),
// where a header's name tag is 2*index+1 for a name of kKnownHeaders and
// 2*length (the name follows) for any other.
constexpr std::array<std::string_view, 32> kKnownHeaders = {
    "host", "connection", "upgrade", "origin", "user-agent", "accept", "accept-encoding",
    "accept-language", "cache-control", "pragma", "cookie", "sec-websocket-key",
    "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol", "referer",
    "authorization", "content-type", "content-length", "x-forwarded-for", "x-forwarded-proto",
    "x-forwarded-host", "x-real-ip", "forwarded", "sec-fetch-dest", "sec-fetch-mode",
    "sec-fetch-site", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "dnt", "priority"};

constexpr size_t kSizeBytes = sizeof(uint32_t);

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendBytes(std::string& out, std::string_view bytes) {
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

// Reads the packed form; it was written by Build, so it is well formed.
class Reader {
 public:
  explicit Reader(const char* data) : p_(data + kSizeBytes) {}
  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*p_++);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
  }
  std::string_view Bytes(size_t n) {
    std::string_view out(p_, n);
    p_ += n;
    return out;
  }
  std::string_view Sized() { return Bytes(Varint()); }

 private:
  const char* p_;
};

uint32_t TotalSize(const char* data) {
  uint32_t size;
  std::memcpy(&size, data, sizeof(size));
  return size;
}

}  // namespace

void HandshakeInfo::Builder::AddQuery(std::string_view name, std::string_view value) {
  AppendBytes(query_, name);
  AppendBytes(query_, value);
  ++query_count_;
}

void HandshakeInfo::Builder::AddHeader(std::string_view name, std::string_view value) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(name));
  size_t known = 0;
  while (known < kKnownHeaders.size() && kKnownHeaders[known] != lower) ++known;
  if (known < kKnownHeaders.size()) {
    AppendVarint(headers_, 2 * known + 1);
  } else {
    AppendVarint(headers_, 2 * lower.size());
    headers_.append(lower);
  }
  AppendBytes(headers_, value);
  ++header_count_;
}

HandshakeInfo HandshakeInfo::Builder::Build() const {
  std::string packed(kSizeBytes, '\0');
  packed.reserve(kSizeBytes + 16 + remote_address_.size() + query_.size() + headers_.size());
  AppendBytes(packed, remote_address_);
  AppendVarint(packed, query_count_);
  packed.append(query_);
  AppendVarint(packed, header_count_);
  packed.append(headers_);
  const auto size = static_cast<uint32_t>(packed.size());
  std::memcpy(packed.data(), &size, sizeof(size));
  auto data = std::make_unique_for_overwrite<char[]>(packed.size());
  std::memcpy(data.get(), packed.data(), packed.size());
  return HandshakeInfo(std::move(data));
}

HandshakeInfo::HandshakeInfo(const HandshakeInfo& other) { *this = other; }

HandshakeInfo& HandshakeInfo::operator=(const HandshakeInfo& other) {
  if (this == &other) return *this;
  if (!other.data_) {
    data_.reset();
    return *this;
  }
  const uint32_t size = TotalSize(other.data_.get());
  data_ = std::make_unique_for_overwrite<char[]>(size);
  std::memcpy(data_.get(), other.data_.get(), size);
  return *this;
}

size_t HandshakeInfo::encoded_size() const { return data_ ? TotalSize(data_.get()) : 0; }

std::string_view HandshakeInfo::remote_address() const {
  if (!data_) return {};
  return Reader(data_.get()).Sized();
}

HandshakeInfo::Pairs HandshakeInfo::query() const {
  Pairs out;
  if (!data_) return out;
  Reader reader(data_.get());
  reader.Sized();  // address
  const uint64_t count = reader.Varint();
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name = reader.Sized();
    out.emplace_back(name, reader.Sized());
  }
  return out;
}

HandshakeInfo::Pairs HandshakeInfo::headers() const {
  Pairs out;
  if (!data_) return out;
  Reader reader(data_.get());
  reader.Sized();  // address
  for (uint64_t i = reader.Varint(); i > 0; --i) {
    reader.Sized();
    reader.Sized();
  }
  const uint64_t count = reader.Varint();
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t tag = reader.Varint();
    std::string_view name = (tag & 1) ? kKnownHeaders[tag >> 1] : reader.Bytes(tag >> 1);
    out.emplace_back(name, reader.Sized());
  }
  return out;
}

}  // namespace hub::engineio
