#include "hub/cluster/msgpack_value.h"

#include <cmath>

#include "msgpuck.h"

namespace hub::cluster {
namespace {

absl::StatusOr<MsgValue> DecodeOne(const char** cur, size_t depth) {
  if (depth > kMaxMsgDepth) return absl::InvalidArgumentError("msgpack nested too deep");
  MsgValue v;
  uint32_t len = 0;
  switch (mp_typeof(**cur)) {
    case MP_NIL: mp_decode_nil(cur); break;
    case MP_BOOL: v.type = MsgValue::Type::kBool; v.boolean = mp_decode_bool(cur); break;
    case MP_UINT: {
      v.type = MsgValue::Type::kInt;
      const uint64_t u = mp_decode_uint(cur);
      v.uint = u;
      if (u > static_cast<uint64_t>(INT64_MAX)) v.is_unsigned = true;
      else v.integer = static_cast<int64_t>(u);
      break;
    }
    case MP_INT: v.type = MsgValue::Type::kInt; v.integer = mp_decode_int(cur); break;
    case MP_FLOAT: v.type = MsgValue::Type::kDouble; v.number = mp_decode_float(cur); break;
    case MP_DOUBLE: v.type = MsgValue::Type::kDouble; v.number = mp_decode_double(cur); break;
    case MP_STR: {
      const char* s = mp_decode_str(cur, &len);
      v.type = MsgValue::Type::kStr;
      v.bytes.assign(s, len);
      break;
    }
    case MP_BIN: {
      const char* s = mp_decode_bin(cur, &len);
      v.type = MsgValue::Type::kBin;
      v.bytes.assign(s, len);
      break;
    }
    case MP_ARRAY: {
      v.type = MsgValue::Type::kArray;
      const uint32_t n = mp_decode_array(cur);
      v.items.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        auto item = DecodeOne(cur, depth + 1);
        if (!item.ok()) return item.status();
        v.items.push_back(*std::move(item));
      }
      break;
    }
    case MP_MAP: {
      v.type = MsgValue::Type::kMap;
      const uint32_t n = mp_decode_map(cur);
      v.entries.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        auto key = DecodeOne(cur, depth + 1);
        if (!key.ok()) return key.status();
        auto value = DecodeOne(cur, depth + 1);
        if (!value.ok()) return value.status();
        v.entries.emplace_back(*std::move(key), *std::move(value));
      }
      break;
    }
    case MP_EXT:
      // Extensions (notepack's undefined, dates) have no JSON form: nil.
      mp_next(cur);
      break;
  }
  return v;
}

}  // namespace

const MsgValue* MsgValue::Find(std::string_view key) const {
  if (type != Type::kMap) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k.type == Type::kStr && k.bytes == key) return &v;
  }
  return nullptr;
}

std::string MsgValue::StrOr(std::string_view key, std::string fallback) const {
  const MsgValue* v = Find(key);
  return v != nullptr && v->type == Type::kStr ? v->bytes : fallback;
}

int64_t MsgValue::IntOr(std::string_view key, int64_t fallback) const {
  const MsgValue* v = Find(key);
  int64_t out = 0;
  return v != nullptr && v->AsInt(&out) ? out : fallback;
}

bool MsgValue::BoolOr(std::string_view key, bool fallback) const {
  const MsgValue* v = Find(key);
  return v != nullptr && v->type == Type::kBool ? v->boolean : fallback;
}

std::vector<std::string> MsgValue::Strings(std::string_view key) const {
  std::vector<std::string> out;
  const MsgValue* v = Find(key);
  if (v == nullptr || v->type != Type::kArray) return out;
  for (const auto& item : v->items) {
    if (item.type == Type::kStr) out.push_back(item.bytes);
  }
  return out;
}

bool MsgValue::AsInt(int64_t* out) const {
  if (type == Type::kInt) {
    *out = is_unsigned ? static_cast<int64_t>(uint) : integer;
    return true;
  }
  if (type == Type::kDouble && std::isfinite(number)) {
    *out = static_cast<int64_t>(number);
    return true;
  }
  return false;
}

absl::StatusOr<MsgValue> DecodeMsgpack(std::string_view bytes) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty msgpack");
  const char* check = bytes.data();
  // mp_check validates every length against the end before we trust them.
  if (mp_check(&check, bytes.data() + bytes.size()) != 0) {
    return absl::InvalidArgumentError("malformed msgpack");
  }
  if (check != bytes.data() + bytes.size()) return absl::InvalidArgumentError("trailing bytes after msgpack");
  const char* cur = bytes.data();
  return DecodeOne(&cur, 0);
}

char* MsgWriter::Reserve(size_t n) {
  const size_t at = out_.size();
  out_.resize(at + n);
  return out_.data() + at;
}

void MsgWriter::Commit(char* end) { out_.resize(static_cast<size_t>(end - out_.data())); }

MsgWriter& MsgWriter::Array(uint32_t size) {
  Commit(mp_encode_array(Reserve(mp_sizeof_array(size)), size));
  return *this;
}
MsgWriter& MsgWriter::Map(uint32_t size) {
  Commit(mp_encode_map(Reserve(mp_sizeof_map(size)), size));
  return *this;
}
MsgWriter& MsgWriter::Str(std::string_view s) {
  const auto n = static_cast<uint32_t>(s.size());
  Commit(mp_encode_str(Reserve(mp_sizeof_str(n)), s.data(), n));
  return *this;
}
MsgWriter& MsgWriter::Bin(std::string_view b) {
  const auto n = static_cast<uint32_t>(b.size());
  Commit(mp_encode_bin(Reserve(mp_sizeof_bin(n)), b.data(), n));
  return *this;
}
MsgWriter& MsgWriter::Int(int64_t v) {
  if (v >= 0) return Uint(static_cast<uint64_t>(v));
  Commit(mp_encode_int(Reserve(mp_sizeof_int(v)), v));
  return *this;
}
MsgWriter& MsgWriter::Uint(uint64_t v) {
  Commit(mp_encode_uint(Reserve(mp_sizeof_uint(v)), v));
  return *this;
}
MsgWriter& MsgWriter::Double(double v) {
  Commit(mp_encode_double(Reserve(mp_sizeof_double(v)), v));
  return *this;
}
MsgWriter& MsgWriter::Bool(bool v) {
  Commit(mp_encode_bool(Reserve(mp_sizeof_bool(v)), v));
  return *this;
}
MsgWriter& MsgWriter::Nil() {
  Commit(mp_encode_nil(Reserve(mp_sizeof_nil())));
  return *this;
}
MsgWriter& MsgWriter::StrArray(const std::vector<std::string>& items) {
  Array(static_cast<uint32_t>(items.size()));
  for (const auto& item : items) Str(item);
  return *this;
}
MsgWriter& MsgWriter::BinArray(const std::vector<std::string>& items) {
  Array(static_cast<uint32_t>(items.size()));
  for (const auto& item : items) Bin(item);
  return *this;
}
MsgWriter& MsgWriter::Raw(std::string_view encoded) {
  out_.append(encoded);
  return *this;
}
MsgWriter& MsgWriter::Value(const MsgValue& value) {
  switch (value.type) {
    case MsgValue::Type::kNil: return Nil();
    case MsgValue::Type::kBool: return Bool(value.boolean);
    case MsgValue::Type::kInt: return value.is_unsigned ? Uint(value.uint) : Int(value.integer);
    case MsgValue::Type::kDouble: return Double(value.number);
    case MsgValue::Type::kStr: return Str(value.bytes);
    case MsgValue::Type::kBin: return Bin(value.bytes);
    case MsgValue::Type::kArray:
      Array(static_cast<uint32_t>(value.items.size()));
      for (const auto& item : value.items) Value(item);
      return *this;
    case MsgValue::Type::kMap:
      Map(static_cast<uint32_t>(value.entries.size()));
      for (const auto& [k, v] : value.entries) Value(k).Value(v);
      return *this;
  }
  return *this;
}

}  // namespace hub::cluster
