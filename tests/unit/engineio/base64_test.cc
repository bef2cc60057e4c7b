#include "hub/engineio/base64.h"

#include <string>

#include "gtest/gtest.h"

namespace hub::engineio {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_EQ(*Base64Decode("Zg=="), "f");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_EQ(*Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(*Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    const std::string in = bytes.substr(0, len);
    absl::StatusOr<std::string> out = Base64Decode(Base64Encode(in));
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, in);
  }
  EXPECT_EQ(Base64Encode("\xFB\xFF"), "+/8=");
  EXPECT_EQ(*Base64Decode("+/8="), "\xFB\xFF");
}

TEST(Base64Test, RejectsBadLength) {
  EXPECT_FALSE(Base64Decode("Z").ok());
  EXPECT_FALSE(Base64Decode("Zg=").ok());
  EXPECT_FALSE(Base64Decode("Zm9vY").ok());
}

TEST(Base64Test, RejectsBadCharacters) {
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());
  EXPECT_FALSE(Base64Decode("Zm 9").ok());
  EXPECT_FALSE(Base64Decode("Zm-_").ok());  // URL-safe alphabet
  EXPECT_FALSE(Base64Decode(std::string("Zm9\0", 4)).ok());
  EXPECT_FALSE(Base64Decode("Zm9\xC3").ok());
}

TEST(Base64Test, RejectsMisplacedPadding) {
  EXPECT_FALSE(Base64Decode("====").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Zg==Zm9v").ok());  // padding mid-stream
  EXPECT_FALSE(Base64Decode("Z=g=").ok());
  EXPECT_FALSE(Base64Decode("=Zg=").ok());
}

TEST(Base64Test, RejectsNonZeroTrailingBits) {
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // "Zg==" is canonical
  EXPECT_FALSE(Base64Decode("Zm9=").ok());  // "Zm8=" is canonical
}

}  // namespace
}  // namespace hub::engineio
