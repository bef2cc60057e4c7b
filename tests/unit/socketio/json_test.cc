#include "hub/socketio/json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hub::socketio {
namespace {

std::string Nested(size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(ValidateJsonTest, AcceptsScalars) {
  for (const char* text :
       {"0", "-0", "1", "-12", "3.25", "1e5", "1E+5", "-2.5e-3", "0.0",
        "true", "false", "null", "\"\"", "\"abc\"", " 7 ", "\n\t\r 1"}) {
    EXPECT_TRUE(ValidateJson(text).ok()) << text;
  }
}

TEST(ValidateJsonTest, AcceptsContainers) {
  for (const char* text :
       {"[]", "{}", "[ ]", "{ }", "[1,2,3]", "[[],[[]]]",
        "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"}}",
        " [ 1 , { \"k\" : \"v\" } ] ", "[\"x\",{}]"}) {
    EXPECT_TRUE(ValidateJson(text).ok()) << text;
  }
}

TEST(ValidateJsonTest, AcceptsStringEscapesAndUtf8) {
  for (const char* text :
       {R"("\"\\\/\b\f\n\r\t")", R"("\u0041\u00e9\u20AC")",
        R"("\ud83d\ude00")", "\"h\xC3\xA9llo \xF0\x9F\x98\x80\"",
        R"("\ud800")" /* lone surrogate: grammar allows it */}) {
    EXPECT_TRUE(ValidateJson(text).ok()) << text;
  }
}

TEST(ValidateJsonTest, RejectsBadNumbers) {
  for (const char* text : {"01", "-", "+1", ".5", "1.", "1e", "1e+", "--1",
                           "0x10", "1.5.5", "Infinity", "NaN", "-01", "1 2"}) {
    EXPECT_FALSE(ValidateJson(text).ok()) << text;
  }
}

TEST(ValidateJsonTest, RejectsBadStructure) {
  for (const char* text :
       {"", " ", "[", "]", "[1,]", "[,1]", "[1 2]", "{", "{\"a\"}",
        "{\"a\":}", "{\"a\":1,}", "{a:1}", "{'a':1}", "{1:2}", "[1]]",
        "[1],", "{}{}", "[}", "{]", "tru", "nul", "True", "truex",
        "[\"a\"\"b\"]", "\"abc", "'abc'", "/*c*/1"}) {
    EXPECT_FALSE(ValidateJson(text).ok()) << text;
  }
  EXPECT_FALSE(ValidateJson(std::string("[1]\0", 4)).ok());
}

TEST(ValidateJsonTest, RejectsBadStrings) {
  EXPECT_FALSE(ValidateJson("\"a\nb\"").ok());           // raw control char
  EXPECT_FALSE(ValidateJson(std::string("\"\0\"", 3)).ok());
  EXPECT_FALSE(ValidateJson(R"("\x41")").ok());           // unknown escape
  EXPECT_FALSE(ValidateJson(R"("\u12")").ok());           // short \u
  EXPECT_FALSE(ValidateJson(R"("\u12G4")").ok());
  EXPECT_FALSE(ValidateJson(R"("\")").ok());
  EXPECT_FALSE(ValidateJson("\"\xC0\xAF\"").ok());        // overlong
  EXPECT_FALSE(ValidateJson("\"\xED\xA0\x80\"").ok());    // raw surrogate
  EXPECT_FALSE(ValidateJson("\"\xFF\"").ok());
  EXPECT_FALSE(ValidateJson("\"\xE2\x82\"").ok());        // truncated
}

TEST(ValidateJsonTest, DepthCap) {
  EXPECT_TRUE(ValidateJson(Nested(kMaxJsonDepth, '[', ']')).ok());
  EXPECT_FALSE(ValidateJson(Nested(kMaxJsonDepth + 1, '[', ']')).ok());
  std::string objects;
  for (size_t i = 0; i < kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1";
  objects += std::string(kMaxJsonDepth, '}');
  EXPECT_TRUE(ValidateJson(objects).ok());
  // Very deep input must fail cleanly, not overflow the stack.
  EXPECT_FALSE(ValidateJson(std::string(1000000, '[')).ok());
  EXPECT_FALSE(ValidateJson(Nested(100000, '[', ']')).ok());
}

TEST(SplitJsonArrayTest, SplitsElements) {
  absl::StatusOr<std::vector<std::string_view>> items =
      SplitJsonArray(" [ \"ev\" , 1,{\"a\":[1,2]} ,[ ],null ] ");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ((*items)[0], "\"ev\"");
  EXPECT_EQ((*items)[1], "1");
  EXPECT_EQ((*items)[2], "{\"a\":[1,2]}");
  EXPECT_EQ((*items)[3], "[ ]");
  EXPECT_EQ((*items)[4], "null");
}

TEST(SplitJsonArrayTest, EmptyArray) {
  absl::StatusOr<std::vector<std::string_view>> items = SplitJsonArray("[ ]");
  ASSERT_TRUE(items.ok());
  EXPECT_TRUE(items->empty());
}

TEST(SplitJsonArrayTest, RejectsNonArraysAndInvalid) {
  for (const char* text : {"", "{}", "\"a\"", "1", "[1,]", "[1", "[1]x",
                           "[1] [2]", "[\"a\",01]", "[\"\\q\"]"}) {
    EXPECT_FALSE(SplitJsonArray(text).ok()) << text;
  }
}

TEST(SplitJsonArrayTest, DepthCapCountsTheOuterArray) {
  EXPECT_TRUE(SplitJsonArray(Nested(kMaxJsonDepth, '[', ']')).ok());
  EXPECT_FALSE(SplitJsonArray(Nested(kMaxJsonDepth + 1, '[', ']')).ok());
}

TEST(JsonKindOfTest, ReportsKinds) {
  EXPECT_EQ(*JsonKindOf(" {} "), JsonKind::kObject);
  EXPECT_EQ(*JsonKindOf("[1]"), JsonKind::kArray);
  EXPECT_EQ(*JsonKindOf("\"s\""), JsonKind::kString);
  EXPECT_EQ(*JsonKindOf("-1.5"), JsonKind::kNumber);
  EXPECT_EQ(*JsonKindOf("true"), JsonKind::kBool);
  EXPECT_EQ(*JsonKindOf("false"), JsonKind::kBool);
  EXPECT_EQ(*JsonKindOf("null"), JsonKind::kNull);
  EXPECT_FALSE(JsonKindOf("").ok());
  EXPECT_FALSE(JsonKindOf("{").ok());
}

TEST(DecodeJsonStringTest, DecodesEscapes) {
  EXPECT_EQ(*DecodeJsonString(R"("")"), "");
  EXPECT_EQ(*DecodeJsonString(R"("plain")"), "plain");
  EXPECT_EQ(*DecodeJsonString(R"("a\"b\\c\/d\be\ff\ng\rh\ti")"),
            "a\"b\\c/d\be\ff\ng\rh\ti");
  EXPECT_EQ(*DecodeJsonString(R"("\u0041\u00e9\u20AC")"),
            "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(*DecodeJsonString(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(*DecodeJsonString(R"("\u0000")"), std::string("\0", 1));
  EXPECT_EQ(*DecodeJsonString("\"caf\xC3\xA9\""), "caf\xC3\xA9");
}

TEST(DecodeJsonStringTest, RejectsBadLiterals) {
  for (const char* text :
       {"", "abc", "\"abc", " \"abc\"", "\"abc\" ", "\"a\"b\"",
        R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\ud800x")",
        R"("\ud800\ud800")", R"("\u12")", "\"\x01\"", "\"\xC3\""}) {
    EXPECT_FALSE(DecodeJsonString(text).ok()) << text;
  }
}

TEST(AppendJsonStringTest, Escapes) {
  std::string out = "x";
  AppendJsonString(out, "a\"b\\c\b\f\n\r\t\x01\x1e\x7F/");
  EXPECT_EQ(out, R"(x"a\"b\\c\b\f\n\r\t\u0001\u001e)" "\x7F" R"(/")");
}

TEST(AppendJsonStringTest, KeepsUtf8AndReplacesInvalidBytes) {
  std::string out;
  AppendJsonString(out, "\xE2\x82\xAC");
  EXPECT_EQ(out, "\"\xE2\x82\xAC\"");
  out.clear();
  AppendJsonString(out, "a\xFF" "b");
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_TRUE(ValidateJson(out).ok());
}

TEST(AppendJsonStringTest, RoundTripsThroughDecode) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  all += "\xC3\xA9\xF0\x9F\x98\x80";
  std::string out;
  AppendJsonString(out, all);
  ASSERT_TRUE(ValidateJson(out).ok());
  absl::StatusOr<std::string> back = DecodeJsonString(out);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, all);
}

}  // namespace
}  // namespace hub::socketio
