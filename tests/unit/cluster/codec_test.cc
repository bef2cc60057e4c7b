// JSON <-> msgpack, the socket.io adapter broadcast/request codecs, the hub's
// own messages and the consumer-group owner choice.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hub/cluster/adapter_responses.h"
#include "hub/cluster/adapter_wire.h"
#include "hub/cluster/hub_wire.h"
#include "hub/cluster/json_msgpack.h"
#include "hub/cluster/membership.h"

namespace hub::cluster {
namespace {

std::string RoundTrip(const std::string& json, const std::vector<std::string>& attachments = {}) {
  MsgWriter w;
  EXPECT_TRUE(AppendJsonAsMsgpack(json, attachments, w).ok()) << json;
  auto value = DecodeMsgpack(w.out());
  EXPECT_TRUE(value.ok());
  std::vector<std::string> out_attachments;
  return ValueToJson(*value, &out_attachments);
}

TEST(JsonMsgpackTest, EveryJsonTypeRoundTrips) {
  for (const char* json : {"null", "true", "false", "0", "-1", "42", "9007199254740993", "18446744073709551615",
                           "-9223372036854775808", "2.5", "1e+300", "\"h\\u00e9\\n\\\"\"", "[]", "{}",
                           "[1,[2,[3]],{\"a\":{\"b\":null}}]", "{\"k\":\"v\",\"n\":-0.125}"}) {
    const std::string back = RoundTrip(json);
    // Same value: compare through a second round trip (formatting may differ).
    EXPECT_EQ(RoundTrip(back), back) << json;
  }
  EXPECT_EQ(RoundTrip("[1, 2.5, null, true, \"x\"]"), "[1,2.5,null,true,\"x\"]");
  EXPECT_EQ(RoundTrip("{\"a\" : [ ] }"), "{\"a\":[]}");
  EXPECT_EQ(RoundTrip("1e+300"), "1e+300");
  EXPECT_EQ(RoundTrip("\"\\u00e9\""), "\"\xc3\xa9\"");
}

TEST(JsonMsgpackTest, PlaceholdersBecomeBinAndBack) {
  MsgWriter w;
  ASSERT_TRUE(AppendJsonAsMsgpack(R"({"f":{"_placeholder":true,"num":1},"g":{"_placeholder":true,"num":0}})",
                                  {"zero", "one"}, w)
                  .ok());
  auto value = DecodeMsgpack(w.out());
  ASSERT_TRUE(value.ok());
  ASSERT_EQ(value->Find("f")->type, MsgValue::Type::kBin);
  EXPECT_EQ(value->Find("f")->bytes, "one");
  std::vector<std::string> attachments;
  EXPECT_EQ(ValueToJson(*value, &attachments),
            R"({"f":{"_placeholder":true,"num":0},"g":{"_placeholder":true,"num":1}})");
  EXPECT_EQ(attachments, (std::vector<std::string>{"one", "zero"}));
}

TEST(JsonMsgpackTest, RejectsInvalidJsonAndMalformedMsgpack) {
  MsgWriter w;
  EXPECT_FALSE(AppendJsonAsMsgpack("{bad", {}, w).ok());
  EXPECT_FALSE(DecodeMsgpack("").ok());
  EXPECT_FALSE(DecodeMsgpack("\x92\x01").ok());      // array of 2, one item
  EXPECT_FALSE(DecodeMsgpack("\xdb\xff\xff\xff\xff").ok());  // str32 past the end
  EXPECT_FALSE(DecodeMsgpack("\x01\x02").ok());      // trailing bytes
}

TEST(AdapterWireTest, BroadcastRoundTripsWithHubExtension) {
  BroadcastMessage m;
  m.uid = "abc";
  m.nsp = "/chat";
  m.event = "news";
  m.args = {"{\"a\":1}", "[{\"_placeholder\":true,\"num\":0}]"};
  m.attachments = {std::string("\x00\x01", 2)};
  m.rooms = {"r1"};
  m.except = {"sid1"};
  m.is_volatile = true;
  m.request_id = "abc:7";
  m.to_ids = true;
  auto encoded = EncodeBroadcast(m);
  ASSERT_TRUE(encoded.ok());
  auto back = DecodeBroadcast(*encoded);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->uid, "abc");
  EXPECT_EQ(back->nsp, "/chat");
  EXPECT_EQ(back->event, "news");
  EXPECT_EQ(back->args, m.args);
  EXPECT_EQ(back->attachments, m.attachments);
  EXPECT_EQ(back->rooms, m.rooms);
  EXPECT_EQ(back->except, m.except);
  EXPECT_TRUE(back->is_volatile);
  EXPECT_EQ(back->request_id, "abc:7");
  EXPECT_TRUE(back->to_ids);
  EXPECT_EQ(BroadcastChannel("/chat", m.rooms), "socket.io#/chat#r1#");
  EXPECT_EQ(BroadcastChannel("/", {}), "socket.io#/#");
  EXPECT_EQ(BroadcastChannel("/", {"a", "b"}), "socket.io#/#");
}

TEST(AdapterWireTest, DecodesWhatTheNodeEmitterPublishes) {
  // [ "emitter", {type: 2, data: ["ev", 1, <bin 09>], nsp: "/"}, {rooms: ["r"], except: [], flags: {}} ]
  MsgWriter w;
  w.Array(3).Str("emitter");
  w.Map(3).Str("type").Int(2).Str("data").Array(3).Str("ev").Int(1).Bin("\x09").Str("nsp").Str("/");
  w.Map(3).Str("rooms").StrArray({"r"}).Str("except").Array(0).Str("flags").Map(0);
  auto m = DecodeBroadcast(w.out());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->uid, "emitter");
  EXPECT_EQ(m->event, "ev");
  EXPECT_EQ(m->args, (std::vector<std::string>{"1", "{\"_placeholder\":true,\"num\":0}"}));
  EXPECT_EQ(m->attachments, (std::vector<std::string>{"\x09"}));
  EXPECT_EQ(m->rooms, (std::vector<std::string>{"r"}));
  EXPECT_TRUE(m->request_id.empty());
}

TEST(AdapterWireTest, RoomsRequestsInJsonBothWays) {
  AdapterRequest r;
  r.type = RequestType::kRemoteJoin;
  r.uid = "u1";
  r.request_id = "u1:3";
  r.from_hub = true;
  r.rooms = {"a"};
  r.except = {"b"};
  r.names = {"room\"x"};
  auto back = DecodeAdapterRequest(EncodeRoomsRequest(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->type, RequestType::kRemoteJoin);
  EXPECT_EQ(back->uid, "u1");
  EXPECT_EQ(back->request_id, "u1:3");
  EXPECT_TRUE(back->from_hub);
  EXPECT_EQ(back->rooms, r.rooms);
  EXPECT_EQ(back->except, r.except);
  EXPECT_EQ(back->names, r.names);

  // The emitter's disconnect request, as JSON text.
  auto disconnect = DecodeAdapterRequest(R"({"uid":"emitter","type":4,"opts":{"rooms":["r"],"except":[]},"close":true})");
  ASSERT_TRUE(disconnect.ok());
  EXPECT_EQ(disconnect->type, RequestType::kRemoteDisconnect);
  EXPECT_TRUE(disconnect->close);
}

TEST(AdapterWireTest, DecodesEveryRequestASocketIoServerSends) {
  auto sockets = DecodeAdapterRequest(R"({"uid":"n1","requestId":"q1","type":0,"rooms":["r"]})");
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  EXPECT_EQ(sockets->type, RequestType::kSockets);
  EXPECT_EQ(sockets->names, (std::vector<std::string>{"r"}));
  auto rooms = DecodeAdapterRequest(R"({"uid":"n1","requestId":"q2","type":1})");
  ASSERT_TRUE(rooms.ok());
  EXPECT_EQ(rooms->type, RequestType::kAllRooms);
  EXPECT_EQ(rooms->request_id, "q2");
  auto fetch = DecodeAdapterRequest(R"({"uid":"n1","requestId":"q3","type":5,"opts":{"rooms":["a"],"except":["b"]}})");
  ASSERT_TRUE(fetch.ok());
  EXPECT_EQ(fetch->rooms, (std::vector<std::string>{"a"}));
  EXPECT_EQ(fetch->except, (std::vector<std::string>{"b"}));
  EXPECT_FALSE(DecodeAdapterRequest(R"({"uid":"n1","requestId":"q3","type":5})").ok());  // fetch without opts
  auto emit = DecodeAdapterRequest(R"({"uid":"n1","type":6,"data":["ping",1]})");
  ASSERT_TRUE(emit.ok());
  EXPECT_EQ(emit->type, RequestType::kServerSideEmit);
  EXPECT_TRUE(emit->request_id.empty());  // no ack wanted

  // BROADCAST comes as msgpack: {uid, requestId, type: 7, packet, opts}.
  MsgWriter w;
  w.Map(5).Str("uid").Str("n1").Str("requestId").Str("q4").Str("type").Int(7);
  w.Str("packet").Map(3).Str("type").Int(2).Str("data").Array(3).Str("ask").Int(5).Bin("\x07");
  w.Str("nsp").Str("/");
  w.Str("opts").Map(3).Str("rooms").StrArray({"r"}).Str("except").Array(0);
  w.Str("flags").Map(1).Str("timeout").Int(1500);
  auto broadcast = DecodeAdapterRequest(w.out());
  ASSERT_TRUE(broadcast.ok()) << broadcast.status();
  EXPECT_EQ(broadcast->type, RequestType::kBroadcast);
  EXPECT_EQ(broadcast->event, "ask");
  EXPECT_EQ(broadcast->args, (std::vector<std::string>{"5", "{\"_placeholder\":true,\"num\":0}"}));
  EXPECT_EQ(broadcast->attachments, (std::vector<std::string>{"\x07"}));
  EXPECT_EQ(broadcast->timeout, std::chrono::milliseconds(1500));

  EXPECT_FALSE(DecodeAdapterRequest(R"({"uid":"n1","type":8,"requestId":"q"})").ok());  // a response
  EXPECT_FALSE(DecodeAdapterRequest(R"([1,2])").ok());
}

TEST(AdapterResponsesTest, WhatSocketIoServersReadBack) {
  EXPECT_EQ(ResponseChannel("/chat"), "socket.io-response#/chat#");
  EXPECT_EQ(EncodeSocketIdsResponse("q", {"a", "b"}), R"({"requestId":"q","sockets":["a","b"]})");
  EXPECT_EQ(EncodeAllRoomsResponse("q", {"r"}), R"({"requestId":"q","rooms":["r"]})");
  EXPECT_EQ(EncodeDoneResponse("q"), R"({"requestId":"q"})");
  EXPECT_EQ(EncodeServerSideEmitResponse("q"), R"({"requestId":"q","type":6})");
  EXPECT_EQ(EncodeClientCountResponse("q", 3), R"({"requestId":"q","type":8,"clientCount":3})");

  core::AckReply reply;
  reply.outcome = core::AckOutcome::kOk;
  reply.args = {"{\"f\":{\"_placeholder\":true,\"num\":0}}", "2"};
  reply.attachments = {"\x01"};
  auto ack = EncodeBroadcastAckResponse("q", reply);
  ASSERT_TRUE(ack.ok());
  auto decoded = DecodeMsgpack(*ack);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->IntOr("type"), 9);
  EXPECT_EQ(decoded->StrOr("requestId"), "q");
  const MsgValue* packet = decoded->Find("packet");  // the first argument only, binary inline
  ASSERT_NE(packet, nullptr);
  ASSERT_NE(packet->Find("f"), nullptr);
  EXPECT_EQ(packet->Find("f")->type, MsgValue::Type::kBin);
  EXPECT_EQ(packet->Find("f")->bytes, "\x01");
}

TEST(AdapterResponsesTest, FetchedSocketsCarryTheirHandshake) {
  core::SocketDetails socket;
  socket.summary.id = "s1";
  socket.summary.rooms = {"s1", "room"};
  socket.summary.remote_address = "127.0.0.1:5000";
  socket.summary.connected_at_ms = 86400000;  // 1970-01-02
  socket.summary.auth = R"({"token":"t"})";
  socket.query = {{"EIO", "4"}, {"transport", "websocket"}, {"tag", "a b"}, {"tag", "c"}};
  socket.headers = {{"origin", "http://x"}, {"x-dup", "1"}, {"x-dup", "2"}};
  const std::string expected =
      R"js({"requestId":"q","sockets":[{"id":"s1","handshake":{"headers":{"origin":"http://x","x-dup":"1, 2"},)js"
      R"js("time":"Fri Jan 02 1970 00:00:00 GMT+0000 (Coordinated Universal Time)","address":"127.0.0.1",)js"
      R"js("xdomain":true,"secure":false,"issued":86400000,)js"
      R"js("url":"/socket.io/?EIO=4&transport=websocket&tag=a%20b&tag=c",)js"
      R"js("query":{"EIO":"4","tag":["a b","c"],"transport":"websocket"},"auth":{"token":"t"}},)js"
      R"js("rooms":["s1","room"],"data":{}}]})js";
  EXPECT_EQ(EncodeFetchResponse("q", {socket}, "/socket.io/"), expected);
}

TEST(HubWireTest, ClientEventAndHeartbeatRoundTrip) {
  ClusterEvent e;
  e.origin = "o";
  e.seq = 99;
  e.record.kind = core::ClientEventRecord::Kind::kEvent;
  e.record.socket_id = "s";
  e.record.nsp = "/";
  e.record.event = "ev";
  e.record.args = {"1", "\"x\""};
  e.record.attachments = {"bin"};
  e.record.ack_id = 5;
  e.record.query = {{"k", "v"}};
  auto back = DecodeClusterEvent(EncodeClusterEvent(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->origin, "o");
  EXPECT_EQ(back->seq, 99u);
  EXPECT_EQ(back->record.args, e.record.args);
  EXPECT_EQ(back->record.attachments, e.record.attachments);
  EXPECT_EQ(back->record.ack_id, std::optional<uint64_t>(5));
  EXPECT_EQ(back->record.query, e.record.query);

  Heartbeat h;
  h.uid = "u";
  h.ungrouped = 2;
  h.groups = {{"g", 3}};
  auto hb = DecodeHeartbeat(EncodeHeartbeat(h));
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(hb->uid, "u");
  EXPECT_EQ(hb->ungrouped, 2u);
  EXPECT_EQ(hb->groups, h.groups);
}

Heartbeat Beat(std::string uid, bool bye = false) {
  Heartbeat heartbeat;
  heartbeat.uid = std::move(uid);
  heartbeat.bye = bye;
  return heartbeat;
}

TEST(MembershipTest, ExpiresSilentReplicasAndForgetsOnBye) {
  using namespace std::chrono_literals;
  Membership m("self", 6000ms);
  const auto t0 = Membership::Clock::now();
  const Heartbeat a = Beat("a"), b = Beat("b");
  EXPECT_TRUE(m.OnHeartbeat(a, t0));
  EXPECT_FALSE(m.OnHeartbeat(a, t0 + 1s));
  EXPECT_TRUE(m.OnHeartbeat(b, t0));
  EXPECT_EQ(m.Replicas(), (std::vector<std::string>{"a", "b", "self"}));
  EXPECT_EQ(m.Expire(t0 + 6500ms), (std::vector<std::string>{"b"}));
  EXPECT_EQ(m.Peers(), (std::vector<std::string>{"a"}));
  const Heartbeat bye = Beat("a", /*bye=*/true);
  m.OnHeartbeat(bye, t0 + 2s);
  EXPECT_TRUE(m.Peers().empty());
}

TEST(GroupOwnerTest, EveryViewPicksTheSameOwnerWeightedByMembers) {
  const std::map<std::string, uint64_t> members = {{"a", 1}, {"b", 3}};
  std::map<std::string, int> picks;
  for (uint64_t seq = 0; seq < 4000; ++seq) {
    const std::string owner = PickGroupOwner(members, "origin", seq);
    EXPECT_EQ(owner, PickGroupOwner(members, "origin", seq));
    ++picks[owner];
  }
  EXPECT_NEAR(picks["a"], 1000, 150);
  EXPECT_NEAR(picks["b"], 3000, 150);
  EXPECT_EQ(PickGroupOwner({}, "o", 1), "");
}

}  // namespace
}  // namespace hub::cluster
