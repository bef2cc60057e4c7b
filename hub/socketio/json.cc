#include "hub/socketio/json.h"

#include <cstdint>

#include "hub/base/utf8.h"

namespace hub::socketio {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Error(std::string_view what) {
  return absl::InvalidArgumentError(std::string("json: ") + std::string(what));
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && IsWs(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWs(s.back())) s.remove_suffix(1);
  return s;
}

// Walks a text with a cursor; every Scan* starts at pos_ and leaves pos_ just
// past what it accepted.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }  // only when !AtEnd()
  void Advance() { ++pos_; }

  void SkipWs() {
    while (pos_ < s_.size() && IsWs(s_[pos_])) ++pos_;
  }

  absl::Status Expect(char c) {
    if (AtEnd() || s_[pos_] != c) {
      return Error(std::string("expected '") + c + "'");
    }
    ++pos_;
    return absl::OkStatus();
  }

  // One value, containers nesting at most `max_depth` deep. Iterative: the
  // only state is the stack of open containers, one byte each.
  absl::Status ScanValue(size_t max_depth) {
    std::string open;  // '[' or '{' per open container
    while (true) {
      // Here a value is expected.
      SkipWs();
      if (AtEnd()) return Error("unexpected end of input");
      const char c = Peek();
      if (c == '[' || c == '{') {
        if (open.size() >= max_depth) return Error("nesting too deep");
        open.push_back(c);
        Advance();
        SkipWs();
        const char close = c == '[' ? ']' : '}';
        if (!AtEnd() && Peek() == close) {
          Advance();
          open.pop_back();
        } else {
          if (c == '{') {
            if (absl::Status s = ScanMemberKey(); !s.ok()) return s;
          }
          continue;  // first element / member value
        }
      } else if (absl::Status s = ScanScalar(); !s.ok()) {
        return s;
      }
      // A value just ended; close containers until one wants another value.
      while (true) {
        if (open.empty()) return absl::OkStatus();
        SkipWs();
        if (AtEnd()) return Error("unexpected end of input");
        const char d = Peek();
        if (d == ',') {
          Advance();
          if (open.back() == '{') {
            if (absl::Status s = ScanMemberKey(); !s.ok()) return s;
          }
          break;
        }
        if ((d == ']' && open.back() == '[') ||
            (d == '}' && open.back() == '{')) {
          Advance();
          open.pop_back();
          continue;
        }
        return Error(open.back() == '[' ? "expected ',' or ']' in array"
                                        : "expected ',' or '}' in object");
      }
    }
  }

  // The string, optional whitespace and ':' that start an object member.
  absl::Status ScanMemberKey() {
    SkipWs();
    if (AtEnd() || Peek() != '"') return Error("expected a string key");
    if (absl::Status s = ScanString(nullptr); !s.ok()) return s;
    SkipWs();
    return Expect(':');
  }

  absl::Status ScanScalar() {
    switch (Peek()) {
      case '"':
        return ScanString(nullptr);
      case 't':
        return ScanWord("true");
      case 'f':
        return ScanWord("false");
      case 'n':
        return ScanWord("null");
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ScanNumber();
        return Error("unexpected character");
    }
  }

  absl::Status ScanWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Error("invalid literal");
    pos_ += word.size();
    return absl::OkStatus();
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  absl::Status ScanNumber() {
    if (!AtEnd() && Peek() == '-') Advance();
    if (AtEnd() || !IsDigit(Peek())) return Error("invalid number");
    if (Peek() == '0') {
      Advance();
      // A leading zero may not be followed by more digits.
      if (!AtEnd() && IsDigit(Peek())) return Error("invalid number");
    } else {
      SkipDigits();
    }
    if (!AtEnd() && Peek() == '.') {
      Advance();
      if (AtEnd() || !IsDigit(Peek())) return Error("invalid number");
      SkipDigits();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      Advance();
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) Advance();
      if (AtEnd() || !IsDigit(Peek())) return Error("invalid number");
      SkipDigits();
    }
    return absl::OkStatus();
  }

  // Scans a string literal; when `decoded` is not null, also appends its
  // value as UTF-8 (and then refuses unpaired surrogates).
  absl::Status ScanString(std::string* decoded) {
    if (absl::Status s = Expect('"'); !s.ok()) return s;
    while (true) {
      // Copy a run of plain ASCII in one go: the common case.
      const size_t run_start = pos_;
      while (pos_ < s_.size()) {
        const auto b = static_cast<uint8_t>(s_[pos_]);
        if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
        ++pos_;
      }
      if (decoded) decoded->append(s_.substr(run_start, pos_ - run_start));
      if (AtEnd()) return Error("unterminated string");
      const auto b = static_cast<uint8_t>(Peek());
      if (b == '"') {
        Advance();
        return absl::OkStatus();
      }
      if (b < 0x20) return Error("control character in string");
      if (b >= 0x80) {
        const size_t len = Utf8SequenceLength(s_.substr(pos_));
        if (len == 0) return Error("invalid UTF-8 in string");
        if (decoded) decoded->append(s_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      // Backslash.
      Advance();
      if (AtEnd()) return Error("unterminated escape");
      const char e = Peek();
      Advance();
      char simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return Error("invalid escape");
      }
      if (simple != 0) {
        if (decoded) decoded->push_back(simple);
        continue;
      }
      uint32_t unit = 0;  // set by ScanHex4 (GCC 12 cannot see it through the Status)
      if (absl::Status s = ScanHex4(unit); !s.ok()) return s;
      if (decoded == nullptr) continue;  // grammar only, see header
      uint32_t cp = unit;
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        return Error("unpaired low surrogate escape");
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (s_.substr(pos_, 2) != "\\u") {
          return Error("unpaired high surrogate escape");
        }
        pos_ += 2;
        uint32_t low = 0;
        if (absl::Status s = ScanHex4(low); !s.ok()) return s;
        if (low < 0xDC00 || low > 0xDFFF) {
          return Error("unpaired high surrogate escape");
        }
        cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      }
      AppendUtf8(*decoded, cp);
    }
  }

 private:
  void SkipDigits() {
    while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
  }

  absl::Status ScanHex4(uint32_t& value) {
    if (s_.size() - pos_ < 4) return Error("truncated \\u escape");
    value = 0;
    for (size_t i = 0; i < 4; ++i) {
      const int h = HexValue(s_[pos_ + i]);
      if (h < 0) return Error("invalid \\u escape");
      value = (value << 4) | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return absl::OkStatus();
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::Status ValidateJson(std::string_view text) {
  Scanner scanner(text);
  if (absl::Status s = scanner.ScanValue(kMaxJsonDepth); !s.ok()) return s;
  scanner.SkipWs();
  if (!scanner.AtEnd()) return Error("trailing characters after value");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string_view>> SplitJsonArray(
    std::string_view text) {
  Scanner scanner(text);
  scanner.SkipWs();
  if (scanner.AtEnd() || scanner.Peek() != '[') return Error("not an array");
  scanner.Advance();
  std::vector<std::string_view> elements;
  scanner.SkipWs();
  if (!scanner.AtEnd() && scanner.Peek() == ']') {
    scanner.Advance();
  } else {
    while (true) {
      scanner.SkipWs();
      const size_t start = scanner.pos();
      // The enclosing array uses one level of the depth budget.
      if (absl::Status s = scanner.ScanValue(kMaxJsonDepth - 1); !s.ok()) {
        return s;
      }
      elements.push_back(text.substr(start, scanner.pos() - start));
      scanner.SkipWs();
      if (scanner.AtEnd()) return Error("unexpected end of input");
      if (scanner.Peek() == ']') {
        scanner.Advance();
        break;
      }
      if (scanner.Peek() != ',') return Error("expected ',' or ']' in array");
      scanner.Advance();
    }
  }
  scanner.SkipWs();
  if (!scanner.AtEnd()) return Error("trailing characters after value");
  return elements;
}

absl::StatusOr<JsonKind> JsonKindOf(std::string_view text) {
  if (absl::Status s = ValidateJson(text); !s.ok()) return s;
  switch (TrimWs(text).front()) {  // non-empty: it validated
    case '{':
      return JsonKind::kObject;
    case '[':
      return JsonKind::kArray;
    case '"':
      return JsonKind::kString;
    case 't':
    case 'f':
      return JsonKind::kBool;
    case 'n':
      return JsonKind::kNull;
    default:
      return JsonKind::kNumber;
  }
}

absl::StatusOr<std::string> DecodeJsonString(std::string_view literal) {
  if (literal.empty() || literal.front() != '"') {
    return Error("not a string literal");
  }
  Scanner scanner(literal);
  std::string value;
  if (absl::Status s = scanner.ScanString(&value); !s.ok()) return s;
  if (!scanner.AtEnd()) return Error("trailing characters after string");
  return value;
}

void AppendJsonString(std::string& out, std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + utf8.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b = static_cast<uint8_t>(utf8[i]);
    if (b >= 0x80) {
      const size_t len = Utf8SequenceLength(utf8.substr(i));
      if (len == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        ++i;
      } else {
        out.append(utf8.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
    switch (b) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (b < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[b >> 4]);
          out.push_back(kHex[b & 0xF]);
        } else {
          out.push_back(static_cast<char>(b));
        }
    }
  }
  out.push_back('"');
}

void AppendJsonStringArray(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, items[i]);
  }
  out += ']';
}

}  // namespace hub::socketio
