#include "hub/engineio/http_compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace hub::engineio {
namespace {

std::string Inflate(const std::string& data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, window_bits), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - zs.avail_out);
  inflateEnd(&zs);
  return out;
}

TEST(HttpCompressionTest, ChoosesGzipThenDeflateAboveTheThreshold) {
  EXPECT_EQ(ChooseContentEncoding("gzip, deflate, br", 2000, 1024), ContentEncoding::kGzip);
  EXPECT_EQ(ChooseContentEncoding("deflate", 2000, 1024), ContentEncoding::kDeflate);
  EXPECT_EQ(ChooseContentEncoding("br", 2000, 1024), ContentEncoding::kIdentity);
  EXPECT_EQ(ChooseContentEncoding("*", 2000, 1024), ContentEncoding::kGzip);
}

TEST(HttpCompressionTest, SmallBodiesDisabledOrNoHeaderStayIdentity) {
  EXPECT_EQ(ChooseContentEncoding("gzip", 1023, 1024), ContentEncoding::kIdentity);
  EXPECT_EQ(ChooseContentEncoding("gzip", 1024, 1024), ContentEncoding::kGzip);
  EXPECT_EQ(ChooseContentEncoding("gzip", 1 << 20, 0), ContentEncoding::kIdentity);
  EXPECT_EQ(ChooseContentEncoding("", 1 << 20, 1024), ContentEncoding::kIdentity);
}

TEST(HttpCompressionTest, HonoursQValues) {
  EXPECT_EQ(ChooseContentEncoding("gzip;q=0, deflate", 2000, 1), ContentEncoding::kDeflate);
  EXPECT_EQ(ChooseContentEncoding("gzip;q=0.2, deflate;q=0.8", 2000, 1), ContentEncoding::kDeflate);
  EXPECT_EQ(ChooseContentEncoding("GZIP;Q=1", 2000, 1), ContentEncoding::kGzip);
  EXPECT_EQ(ChooseContentEncoding("*;q=0", 2000, 1), ContentEncoding::kIdentity);
  EXPECT_EQ(ChooseContentEncoding("gzip;q=bogus", 2000, 1), ContentEncoding::kIdentity);
}

TEST(HttpCompressionTest, GzipAndDeflateRoundTrip) {
  std::string body;
  for (int i = 0; i < 500; ++i) body += "42[\"tick\"," + std::to_string(i) + "]\x1e";
  auto gz = Compress(body, ContentEncoding::kGzip);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), body.size() / 3);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(Inflate(*gz, 15 + 16), body);
  auto zl = Compress(body, ContentEncoding::kDeflate);
  ASSERT_TRUE(zl.ok());
  EXPECT_EQ(Inflate(*zl, 15), body);
  EXPECT_EQ(*Compress(body, ContentEncoding::kIdentity), body);
}

TEST(HttpCompressionTest, EmptyBodyCompresses) {
  auto gz = Compress("", ContentEncoding::kGzip);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Inflate(*gz, 15 + 16), "");
}

}  // namespace
}  // namespace hub::engineio
