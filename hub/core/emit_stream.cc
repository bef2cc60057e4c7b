#include "hub/core/emit_stream.h"

namespace hub::core {
namespace {

class PerEmitStream : public EmitStream, public std::enable_shared_from_this<PerEmitStream> {
 public:
  PerEmitStream(Adapter& adapter, OnReport on_report)
      : adapter_(adapter), on_report_(std::move(on_report)) {}

  void Push(StreamEmit item) override {
    if (item.selection) {
      adapter_.Broadcast(*std::move(item.selection), std::move(item.emit), item.is_volatile,
                         [self = shared_from_this()](uint64_t recipients) {
                           StreamReport report;
                           report.emits = 1;
                           report.recipients = recipients;
                           report.broadcast_fanouts.push_back(recipients);
                           self->on_report_(report);
                         });
      return;
    }
    const size_t requested = item.socket_ids.size();
    adapter_.EmitTo(std::move(item.socket_ids), std::move(item.emit),
                    [self = shared_from_this(), requested](EmitToResult result) {
                      StreamReport report;
                      report.emits = 1;
                      report.recipients = result.recipients;
                      report.unreached = result.missing.size() == requested ? 1 : 0;
                      self->on_report_(report);
                    });
  }

 private:
  Adapter& adapter_;
  const OnReport on_report_;
};

}  // namespace

std::shared_ptr<EmitStream> OpenPerEmitStream(Adapter& adapter, EmitStream::OnReport on_report) {
  return std::make_shared<PerEmitStream>(adapter, std::move(on_report));
}

std::shared_ptr<EmitStream> Adapter::OpenEmitStream(EmitStream::OnReport on_report) {
  return OpenPerEmitStream(*this, std::move(on_report));
}

}  // namespace hub::core
