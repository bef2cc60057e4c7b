// A complete backend for Hub in C++ with the generated hub.v1 stubs: it
// subscribes to client events, answers `hello` with `greet` (EmitTo) and
// answers the ack of `add` with the sum of its arguments (Ack).
//
//   hub_example_cpp_backend [hub-grpc-address]   (default localhost:50051)
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "hub/v1/hub.grpc.pb.h"

namespace {

// Arguments are JSON values; this example only needs strings and integers.
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string Unquote(const std::string& json) {
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') return json.substr(1, json.size() - 2);
  return json;
}

void Handle(hub::v1::Hub::Stub& hub, const hub::v1::ClientEvent& event) {
  if (!event.has_event()) return;
  const auto& payload = event.event().payload();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (payload.event() == "hello" && payload.args_size() > 0) {
    hub::v1::EmitToRequest request;
    request.set_namespace_(event.namespace_());
    request.add_socket_ids(event.socket_id());
    request.mutable_payload()->set_event("greet");
    request.mutable_payload()->add_args(JsonString("hello, " + Unquote(payload.args(0))));
    hub::v1::EmitResponse response;
    const grpc::Status status = hub.EmitTo(&context, request, &response);
    if (!status.ok()) std::cerr << "backend: EmitTo: " << status.error_message() << "\n";
  } else if (payload.event() == "add" && event.event().wants_ack()) {
    long long sum = 0;
    for (const auto& arg : payload.args()) sum += std::strtoll(arg.c_str(), nullptr, 10);
    hub::v1::AckRequest request;
    request.set_namespace_(event.namespace_());
    request.set_socket_id(event.socket_id());
    request.set_ack_id(event.event().ack_id());
    request.add_args(std::to_string(sum));
    hub::v1::AckResponse response;
    const grpc::Status status = hub.Ack(&context, request, &response);
    if (!status.ok()) std::cerr << "backend: Ack: " << status.error_message() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string address = argc > 1 ? argv[1] : "localhost:50051";
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto hub = hub::v1::Hub::NewStub(channel);

  grpc::ClientContext context;
  hub::v1::SubscribeRequest request;
  request.add_events("hello");
  request.add_events("add");
  auto stream = hub->Subscribe(&context, request);
  // The hub sends initial metadata once the subscription is live.
  stream->WaitForInitialMetadata();
  std::cout << "backend: subscribed to " << address << std::endl;

  hub::v1::ClientEvent event;
  while (stream->Read(&event)) Handle(*hub, event);
  const grpc::Status status = stream->Finish();
  std::cout << "backend: stream ended: " << (status.ok() ? "OK" : status.error_message()) << std::endl;
  return status.ok() ? 0 : 1;
}
