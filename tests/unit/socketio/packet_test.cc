#include "hub/socketio/packet.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hub::socketio {
namespace {

const DecodeLimits kLimits;

absl::StatusOr<Packet> Decode(std::string_view text) {
  return DecodePacket(text, kLimits);
}

TEST(SocketIoPacketTest, DecodesConnect) {
  absl::StatusOr<Packet> p = Decode("0");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, PacketType::kConnect);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_EQ(p->data, "");
  EXPECT_FALSE(p->id.has_value());

  p = Decode("0/admin,{\"token\":\"123\"}");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->data, "{\"token\":\"123\"}");

  p = Decode("0/admin,");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->nsp, "/admin");
  p = Decode("0/admin");  // the trailing comma is optional at the end
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->data, "");
}

TEST(SocketIoPacketTest, DecodesEventsAndAcks) {
  absl::StatusOr<Packet> p = Decode("2[\"hello\",1]");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, PacketType::kEvent);
  EXPECT_EQ(p->data, "[\"hello\",1]");

  p = Decode("2/admin,456[\"project:delete\",123]");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->id, 456u);

  p = Decode("212[\"a\"]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->id, 12u);
  EXPECT_EQ(p->nsp, "/");

  p = Decode("3/admin,456[]");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, PacketType::kAck);
  EXPECT_EQ(p->id, 456u);
  EXPECT_EQ(p->data, "[]");

  p = Decode("318446744073709551615[1]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->id, 18446744073709551615u);
}

TEST(SocketIoPacketTest, DecodesBinaryTypes) {
  absl::StatusOr<Packet> p =
      Decode("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, PacketType::kBinaryEvent);
  EXPECT_EQ(p->attachments, 1u);

  p = Decode("62-/admin,456[{\"_placeholder\":true,\"num\":0},1]");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, PacketType::kBinaryAck);
  EXPECT_EQ(p->attachments, 2u);
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->id, 456u);

  EXPECT_TRUE(Decode("510-[\"a\"]").ok());
  EXPECT_FALSE(Decode("511-[\"a\"]").ok());  // over max_attachments
  EXPECT_FALSE(Decode("599999999999999999999999-[\"a\"]").ok());
  EXPECT_FALSE(Decode("5[\"a\"]").ok());    // count missing
  EXPECT_FALSE(Decode("51[\"a\"]").ok());   // '-' missing
  EXPECT_FALSE(Decode("5-[\"a\"]").ok());   // digits missing
  EXPECT_FALSE(Decode("21-[\"a\"]").ok());  // count on a non-binary type
}

TEST(SocketIoPacketTest, DecodesDisconnectAndConnectError) {
  absl::StatusOr<Packet> p = Decode("1/admin,");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kDisconnect);
  EXPECT_TRUE(Decode("1").ok());
  EXPECT_TRUE(Decode("4{\"message\":\"Not authorized\"}").ok());
  EXPECT_TRUE(Decode("4/admin,\"Not authorized\"").ok());
}

TEST(SocketIoPacketTest, RejectsBadPayloadPerType) {
  for (const char* text : {
           "0[]", "0\"x\"", "01", "0{",           // CONNECT
           "1{}", "1[]", "1/admin,\"x\"",         // DISCONNECT
           "2", "2[]", "2[1]", "2{}", "2\"a\"",   // EVENT
           "2[\"a\"", "2[\"a\",]", "2/a,[null]",  //
           "3", "3{}", "31", "3/a,1\"x\"",        // ACK
           "4", "4[]", "41", "4null",             // CONNECT_ERROR
           "51-", "51-[]", "61-{}",               // binary types
       }) {
    EXPECT_FALSE(Decode(text).ok()) << text;
  }
}

TEST(SocketIoPacketTest, RejectsBadHeader) {
  for (const char* text : {"", "7", "9[\"a\"]", "a", "-1", "/admin,0",
                           "01{}",  // ack id on CONNECT
                           "11", "4/a,1{}", "218446744073709551616[\"a\"]",
                           "2/admin[\"a\"]" /* nsp swallows the payload */}) {
    EXPECT_FALSE(Decode(text).ok()) << text;
  }
}

TEST(SocketIoPacketTest, ValidatesNamespace) {
  EXPECT_FALSE(Decode("0/ad\x01min,").ok());
  EXPECT_FALSE(Decode("0/ad\x7Fmin,").ok());
  EXPECT_FALSE(Decode("0/\xFF,").ok());
  EXPECT_TRUE(Decode("0/caf\xC3\xA9,").ok());
  const std::string long_nsp = "/" + std::string(255, 'n');
  EXPECT_TRUE(Decode("0" + long_nsp + ",").ok());
  EXPECT_FALSE(Decode("0" + long_nsp + "n,").ok());
  DecodeLimits tight;
  tight.max_nsp_bytes = 4;
  EXPECT_TRUE(DecodePacket("0/abc,", tight).ok());
  EXPECT_FALSE(DecodePacket("0/abcd,", tight).ok());
}

TEST(SocketIoPacketTest, TrimsWhitespaceAroundData) {
  absl::StatusOr<Packet> p = Decode("2 [\"a\"] ");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->data, "[\"a\"]");
}

TEST(SocketIoPacketTest, Encodes) {
  Packet p;
  p.type = PacketType::kConnect;
  p.data = "";
  EXPECT_EQ(EncodePacket(p), "0");
  p.nsp = "/admin";
  p.data = "{\"sid\":\"x\"}";
  EXPECT_EQ(EncodePacket(p), "0/admin,{\"sid\":\"x\"}");

  Packet e;
  e.type = PacketType::kEvent;
  e.id = 12;
  e.data = "[\"a\"]";
  EXPECT_EQ(EncodePacket(e), "212[\"a\"]");
  e.nsp = "/chat";
  EXPECT_EQ(EncodePacket(e), "2/chat,12[\"a\"]");

  Packet b;
  b.type = PacketType::kBinaryAck;
  b.attachments = 3;
  b.nsp = "/x";
  b.id = 7;
  b.data = "[{\"_placeholder\":true,\"num\":0}]";
  EXPECT_EQ(EncodePacket(b), "63-/x,7[{\"_placeholder\":true,\"num\":0}]");
}

TEST(SocketIoPacketTest, RoundTrips) {
  for (const char* text :
       {"0", "0/admin,{\"a\":1}", "1/admin,", "2[\"ev\"]", "2/n,0[\"ev\",{}]",
        "3/n,99[]", "4{\"message\":\"no\"}", "4\"no\"", "50-[\"e\"]",
        "51-/n,3[\"e\",{\"_placeholder\":true,\"num\":0}]", "62-[1,2]"}) {
    absl::StatusOr<Packet> p = Decode(text);
    ASSERT_TRUE(p.ok()) << text << ": " << p.status();
    const std::string encoded = EncodePacket(*p);
    EXPECT_EQ(encoded, text);
    absl::StatusOr<Packet> again = Decode(encoded);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *p);
  }
}

TEST(ParseEventTest, SplitsNameAndArgs) {
  absl::StatusOr<EventView> ev =
      ParseEvent("[\"chat \\u2603\", 1, {\"a\":[2]}, \"s\"]");
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(ev->name, "chat \xE2\x98\x83");
  ASSERT_EQ(ev->args.size(), 3u);
  EXPECT_EQ(ev->args[0], "1");
  EXPECT_EQ(ev->args[1], "{\"a\":[2]}");
  EXPECT_EQ(ev->args[2], "\"s\"");

  ev = ParseEvent("[\"only\"]");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->name, "only");
  EXPECT_TRUE(ev->args.empty());
}

TEST(ParseEventTest, RejectsBadEvents) {
  for (const char* text :
       {"", "[]", "[1]", "{}", "\"a\"", "[\"a\"", "[null,\"a\"]",
        "[\"\\ud800\"]"}) {
    EXPECT_FALSE(ParseEvent(text).ok()) << text;
  }
}

TEST(AppendEventDataTest, WritesArray) {
  std::string out;
  AppendEventData(out, "say \"hi\"", {"1", "{\"a\":true}", "\"x\""});
  EXPECT_EQ(out, "[\"say \\\"hi\\\"\",1,{\"a\":true},\"x\"]");
  absl::StatusOr<EventView> ev = ParseEvent(out);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->name, "say \"hi\"");
  ASSERT_EQ(ev->args.size(), 3u);
  EXPECT_EQ(ev->args[1], "{\"a\":true}");

  out.clear();
  AppendEventData(out, "ping", {});
  EXPECT_EQ(out, "[\"ping\"]");
}

TEST(ReservedEventNameTest, MatchesTheReferenceList) {
  for (const char* name : {"connect", "connect_error", "disconnect",
                           "disconnecting", "newListener", "removeListener"}) {
    EXPECT_TRUE(IsReservedEventName(name)) << name;
  }
  for (const char* name : {"", "message", "Connect", "connect ", "error"}) {
    EXPECT_FALSE(IsReservedEventName(name)) << name;
  }
}

TEST(SocketIoPacketTest, TypeNames) {
  EXPECT_EQ(PacketTypeName(PacketType::kConnect), "CONNECT");
  EXPECT_EQ(PacketTypeName(PacketType::kBinaryAck), "BINARY_ACK");
}

}  // namespace
}  // namespace hub::socketio
