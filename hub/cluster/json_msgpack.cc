#include "hub/cluster/json_msgpack.h"

#include <charconv>
#include <cmath>

#include "absl/strings/numbers.h"
#include "hub/base/strings.h"
#include "hub/socketio/json.h"

namespace hub::cluster {
namespace {

// Parses already-validated JSON, so errors here are only defensive.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<MsgValue> Value(size_t depth) {
    SkipSpace();
    if (pos_ >= text_.size() || depth > socketio::kMaxJsonDepth) return Bad();
    MsgValue v;
    const char c = text_[pos_];
    if (c == '{') {
      v.type = MsgValue::Type::kMap;
      ++pos_;
      SkipSpace();
      if (Peek('}')) return v;
      for (;;) {
        SkipSpace();
        auto key = String();
        if (!key.ok()) return key.status();
        SkipSpace();
        if (!Peek(':')) return Bad();
        auto value = Value(depth + 1);
        if (!value.ok()) return value.status();
        v.entries.emplace_back(*std::move(key), *std::move(value));
        SkipSpace();
        if (Peek('}')) return v;
        if (!Peek(',')) return Bad();
      }
    }
    if (c == '[') {
      v.type = MsgValue::Type::kArray;
      ++pos_;
      SkipSpace();
      if (Peek(']')) return v;
      for (;;) {
        auto item = Value(depth + 1);
        if (!item.ok()) return item.status();
        v.items.push_back(*std::move(item));
        SkipSpace();
        if (Peek(']')) return v;
        if (!Peek(',')) return Bad();
      }
    }
    if (c == '"') return String();
    if (Literal("true")) { v.type = MsgValue::Type::kBool; v.boolean = true; return v; }
    if (Literal("false")) { v.type = MsgValue::Type::kBool; return v; }
    if (Literal("null")) return v;
    return Number();
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ == text_.size(); }

 private:
  absl::Status Bad() const { return absl::InvalidArgumentError("not a JSON value"); }
  bool Peek(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  absl::StatusOr<MsgValue> String() {
    if (!Peek('"')) return Bad();
    const size_t start = pos_ - 1;
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= text_.size()) return Bad();
    ++pos_;
    auto decoded = socketio::DecodeJsonString(text_.substr(start, pos_ - start));
    if (!decoded.ok()) return decoded.status();
    MsgValue v;
    v.type = MsgValue::Type::kStr;
    v.bytes = *std::move(decoded);
    return v;
  }
  absl::StatusOr<MsgValue> Number() {
    const size_t start = pos_;
    bool integral = true;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '.' || c == 'e' || c == 'E') integral = false;
      else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) break;
      ++pos_;
    }
    const std::string_view digits = text_.substr(start, pos_ - start);
    if (digits.empty()) return Bad();
    MsgValue v;
    v.type = MsgValue::Type::kInt;
    if (integral && absl::SimpleAtoi(ToAbsl(digits), &v.integer)) return v;
    if (integral && absl::SimpleAtoi(ToAbsl(digits), &v.uint)) {
      v.is_unsigned = true;
      return v;
    }
    v.type = MsgValue::Type::kDouble;
    if (!absl::SimpleAtod(ToAbsl(digits), &v.number)) return Bad();
    return v;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// {"_placeholder":true,"num":i} with i naming an attachment.
const std::string* PlaceholderTarget(const MsgValue& v, const std::vector<std::string>& attachments) {
  if (v.type != MsgValue::Type::kMap || v.entries.size() != 2) return nullptr;
  const MsgValue* flag = v.Find("_placeholder");
  const MsgValue* num = v.Find("num");
  int64_t index = -1;
  if (flag == nullptr || flag->type != MsgValue::Type::kBool || !flag->boolean || num == nullptr ||
      num->type != MsgValue::Type::kInt || !num->AsInt(&index)) {
    return nullptr;
  }
  if (index < 0 || static_cast<size_t>(index) >= attachments.size()) return nullptr;
  return &attachments[static_cast<size_t>(index)];
}

void WriteWithBinaries(const MsgValue& v, const std::vector<std::string>& attachments, MsgWriter& out) {
  if (const std::string* bin = PlaceholderTarget(v, attachments)) {
    out.Bin(*bin);
    return;
  }
  if (v.type == MsgValue::Type::kArray) {
    out.Array(static_cast<uint32_t>(v.items.size()));
    for (const auto& item : v.items) WriteWithBinaries(item, attachments, out);
    return;
  }
  if (v.type == MsgValue::Type::kMap) {
    out.Map(static_cast<uint32_t>(v.entries.size()));
    for (const auto& [key, value] : v.entries) {
      out.Value(key);
      WriteWithBinaries(value, attachments, out);
    }
    return;
  }
  out.Value(v);
}

void AppendNumber(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";  // as JSON.stringify does
    return;
  }
  char buf[64];
  // Shortest round-trip form; integral values print without ".0" as in JS.
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  out.append(buf, res.ptr);
}

void AppendJson(const MsgValue& v, std::vector<std::string>* attachments, std::string& out) {
  switch (v.type) {
    case MsgValue::Type::kNil: out += "null"; return;
    case MsgValue::Type::kBool: out += v.boolean ? "true" : "false"; return;
    case MsgValue::Type::kInt:
      out += v.is_unsigned ? std::to_string(v.uint) : std::to_string(v.integer);
      return;
    case MsgValue::Type::kDouble: AppendNumber(out, v.number); return;
    case MsgValue::Type::kStr: socketio::AppendJsonString(out, v.bytes); return;
    case MsgValue::Type::kBin:
      out += "{\"_placeholder\":true,\"num\":";
      out += std::to_string(attachments->size());
      out += "}";
      attachments->push_back(v.bytes);
      return;
    case MsgValue::Type::kArray:
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out += ',';
        AppendJson(v.items[i], attachments, out);
      }
      out += ']';
      return;
    case MsgValue::Type::kMap:
      out += '{';
      for (size_t i = 0; i < v.entries.size(); ++i) {
        if (i > 0) out += ',';
        const MsgValue& key = v.entries[i].first;
        if (key.type == MsgValue::Type::kStr) {
          socketio::AppendJsonString(out, key.bytes);
        } else {
          // JavaScript object keys are strings: a number key 1 is "1".
          std::vector<std::string> ignored;
          std::string text;
          AppendJson(key, &ignored, text);
          socketio::AppendJsonString(out, text);
        }
        out += ':';
        AppendJson(v.entries[i].second, attachments, out);
      }
      out += '}';
      return;
  }
}

}  // namespace

absl::StatusOr<MsgValue> JsonToValue(std::string_view json) {
  if (auto valid = socketio::ValidateJson(json); !valid.ok()) return valid;
  Parser parser(json);
  auto value = parser.Value(0);
  if (!value.ok()) return value.status();
  parser.SkipSpace();
  if (!parser.AtEnd()) return absl::InvalidArgumentError("trailing text after JSON value");
  return value;
}

absl::Status AppendJsonAsMsgpack(std::string_view json, const std::vector<std::string>& attachments,
                                 MsgWriter& out) {
  auto value = JsonToValue(json);
  if (!value.ok()) return value.status();
  WriteWithBinaries(*value, attachments, out);
  return absl::OkStatus();
}

std::string ValueToJson(const MsgValue& value, std::vector<std::string>* attachments) {
  std::string out;
  AppendJson(value, attachments, out);
  return out;
}

}  // namespace hub::cluster
