// The Publish RPC over a real in-process gRPC server, with a fake adapter
// whose deliveries the test completes by hand: the stream must stop reading
// at --publish_max_in_flight emits in delivery, resume below half of it,
// push the emits in the order they were written, and answer once every emit
// is delivered.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hub/api/drain_controller.h"
#include "hub/api/hub_service.h"
#include "hub/api/subscription_hub.h"
#include "hub/core/emit_stream.h"
#include "metrics/api_metrics.h"
#include "prometheus/registry.h"

namespace hub::api {
namespace {

using namespace std::chrono_literals;

// Records what the stream pushed; the test reports deliveries.
class HeldStream : public core::EmitStream {
 public:
  explicit HeldStream(OnReport on_report) : on_report_(std::move(on_report)) {}

  void Push(core::StreamEmit emit) override {
    std::lock_guard lock(mu_);
    pushed_.push_back(emit.emit->args.empty() ? std::string() : emit.emit->args[0]);
    changed_.notify_all();
  }
  // Reports `n` emits delivered to one socket each.
  void Deliver(uint64_t n) {
    core::StreamReport report;
    report.emits = n;
    report.recipients = n;
    on_report_(report);
  }
  // Waits until `n` emits were pushed; false after 5 s.
  bool AwaitPushed(size_t n) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, 5s, [&] { return pushed_.size() >= n; });
  }
  std::vector<std::string> pushed() {
    std::lock_guard lock(mu_);
    return pushed_;
  }

 private:
  const OnReport on_report_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> pushed_;
};

class HeldAdapter : public core::Adapter {
 public:
  std::shared_ptr<core::EmitStream> OpenEmitStream(core::EmitStream::OnReport on_report) override {
    std::lock_guard lock(mu_);
    stream_ = std::make_shared<HeldStream>(std::move(on_report));
    opened_.notify_all();
    return stream_;
  }
  // The stream the Publish call opened (on a gRPC thread); null after 5 s.
  std::shared_ptr<HeldStream> AwaitStream() {
    std::unique_lock lock(mu_);
    opened_.wait_for(lock, 5s, [&] { return stream_ != nullptr; });
    return stream_;
  }
  void EmitTo(std::vector<std::string>, core::SharedEmit, std::function<void(core::EmitToResult)> done) override {
    done({});
  }
  void Broadcast(core::Selection, core::SharedEmit, bool, std::function<void(uint64_t)> done) override { done(0); }
  uint64_t NextAckId() override { return 1; }
  void EmitWithAck(core::Selection, core::SharedEmit, std::chrono::milliseconds,
                   std::function<void(std::vector<core::AckReply>)> done) override {
    done({});
  }
  void AnswerClientAck(std::string, std::string, uint64_t, std::vector<std::string>, std::vector<std::string>,
                       std::function<void(absl::Status)> done) override {
    done(absl::OkStatus());
  }
  void UpdateRooms(core::Selection, std::vector<std::string>, bool, std::function<void(uint64_t)> done) override {
    done(0);
  }
  void Disconnect(core::Selection, bool, std::function<void(uint64_t)> done) override { done(0); }
  void ListSockets(core::Selection, size_t, std::string,
                   std::function<void(absl::StatusOr<core::SocketPage>)> done) override {
    done(core::SocketPage{});
  }
  bool draining() const override { return false; }

 private:
  std::mutex mu_;
  std::condition_variable opened_;
  std::shared_ptr<HeldStream> stream_;
};

hub::v1::PublishRequest EmitTo(int n) {
  hub::v1::PublishRequest request;
  auto* emit = request.mutable_emit_to();
  emit->add_socket_ids("some-socket");
  emit->mutable_payload()->set_event("e");
  emit->mutable_payload()->add_args(std::to_string(n));
  return request;
}

class PublishStreamTest : public ::testing::Test {
 protected:
  static constexpr size_t kMaxInFlight = 8;

  void SetUp() override {
    ServiceOptions options;
    options.publish_max_in_flight = kMaxInFlight;
    service_ = std::make_unique<HubService>(adapter_, subscriptions_, drain_, metrics_, options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = hub::v1::Hub::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
    server_->Wait();
    service_->AwaitReplies();
  }

  // Lets the server read what it is allowed to, then checks it stopped at `n`.
  static void ExpectPushedExactly(HeldStream& stream, size_t n) {
    ASSERT_TRUE(stream.AwaitPushed(n)) << "fewer than " << n << " emits pushed";
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(stream.pushed().size(), n) << "the stream read past its in-flight limit";
  }

  prometheus::Registry registry_;
  metrics::ApiMetrics metrics_{registry_};
  SubscriptionHub subscriptions_{16, metrics_};
  DrainController drain_{1s};
  HeldAdapter adapter_;
  std::unique_ptr<HubService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<hub::v1::Hub::Stub> stub_;
};

TEST_F(PublishStreamTest, StopsReadingAtTheLimitAndResumesBelowHalf) {
  constexpr int kEmits = 20;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 20s);
  hub::v1::PublishResponse response;
  auto writer = stub_->Publish(&context, &response);
  // Small messages: all of them fit in gRPC's windows, so only the hub's own
  // limit can stop it reading.
  for (int i = 0; i < kEmits; ++i) ASSERT_TRUE(writer->Write(EmitTo(i)));
  ASSERT_TRUE(writer->WritesDone());

  const auto held = adapter_.AwaitStream();
  ASSERT_NE(held, nullptr);
  HeldStream& stream = *held;
  ExpectPushedExactly(stream, kMaxInFlight);

  // 8 -> 5 in flight: not below half (8 / 2 + 1), still paused.
  stream.Deliver(3);
  ExpectPushedExactly(stream, kMaxInFlight);
  // 5 -> 4: reading resumes until 8 are in flight again.
  stream.Deliver(1);
  ExpectPushedExactly(stream, kMaxInFlight + 4);
  // Deliver the rest as it comes.
  size_t delivered = 4;
  while (delivered < static_cast<size_t>(kEmits)) {
    ASSERT_TRUE(stream.AwaitPushed(std::min<size_t>(delivered + 1, kEmits)));
    const size_t now = stream.pushed().size() - delivered;
    stream.Deliver(now);
    delivered += now;
  }
  const grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.accepted(), static_cast<uint64_t>(kEmits));
  EXPECT_EQ(response.rejected(), 0u);
  EXPECT_EQ(response.recipients(), static_cast<uint64_t>(kEmits));

  std::vector<std::string> expected;
  for (int i = 0; i < kEmits; ++i) expected.push_back(std::to_string(i));
  EXPECT_EQ(stream.pushed(), expected) << "emits pushed out of order";
}

TEST_F(PublishStreamTest, AnswersOnlyOnceEveryEmitIsDelivered) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 20s);
  hub::v1::PublishResponse response;
  auto writer = stub_->Publish(&context, &response);
  ASSERT_TRUE(writer->Write(EmitTo(1)));
  ASSERT_TRUE(writer->Write(EmitTo(2)));
  ASSERT_TRUE(writer->WritesDone());
  const auto stream = adapter_.AwaitStream();
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->AwaitPushed(2));

  // The client is done writing, but one emit is still being delivered.
  stream->Deliver(1);
  std::thread finisher([stream] {
    std::this_thread::sleep_for(300ms);
    stream->Deliver(1);
  });
  const auto start = std::chrono::steady_clock::now();
  const grpc::Status status = writer->Finish();
  const auto waited = std::chrono::steady_clock::now() - start;
  finisher.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(waited, 250ms) << "answered before the last delivery";
  EXPECT_EQ(response.accepted(), 2u);
  EXPECT_EQ(response.recipients(), 2u);
}

}  // namespace
}  // namespace hub::api
