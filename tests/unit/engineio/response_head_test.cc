#include "hub/engineio/response_head.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace hub::engineio {
namespace {

using boost::beast::http::status;

std::string Head(const ResponseHead& head) {
  std::string out = "left over from the previous answer";
  WriteResponseHead(head, out);
  return out;
}

TEST(ResponseHeadTest, APollAnswerCarriesItsFieldsInOrder) {
  const std::vector<std::pair<std::string, std::string>> cors = {
      {"Access-Control-Allow-Origin", "https://app.example"}, {"Access-Control-Allow-Credentials", "true"}};
  ResponseHead head;
  head.content_type = "text/plain; charset=UTF-8";
  head.extra = &cors;
  head.no_store = true;
  head.vary_encoding = true;
  head.content_encoding = "gzip";
  head.content_length = 42;
  EXPECT_EQ(Head(head),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Access-Control-Allow-Origin: https://app.example\r\n"
            "Access-Control-Allow-Credentials: true\r\n"
            "Cache-Control: no-store\r\n"
            "Vary: Accept-Encoding\r\n"
            "Content-Encoding: gzip\r\n"
            "Content-Length: 42\r\n"
            "\r\n");
}

TEST(ResponseHeadTest, Http11SaysCloseOnlyWhenClosing) {
  ResponseHead head;
  head.status = status::bad_request;
  head.content_type = "application/json";
  head.content_length = 41;
  head.keep_alive = false;
  EXPECT_EQ(Head(head),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 41\r\n"
            "Connection: close\r\n\r\n");
  head.keep_alive = true;
  EXPECT_EQ(Head(head), "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 41\r\n\r\n");
}

TEST(ResponseHeadTest, Http10SaysKeepAliveOnlyWhenKeeping) {
  ResponseHead head;
  head.version = 10;
  head.content_type = "text/html";
  head.content_length = 2;
  EXPECT_EQ(Head(head),
            "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
  head.keep_alive = false;
  EXPECT_EQ(Head(head), "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHeadTest, NoContentHasNoLength) {
  ResponseHead head;
  head.status = status::no_content;
  head.content_type = "text/plain";
  EXPECT_EQ(Head(head), "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\n\r\n");
}

}  // namespace
}  // namespace hub::engineio
