#include "server/stream_turn.h"

#include <exception>
#include <utility>

#include "server/http_util.h"

namespace hearth::server {

void StreamTurn(httplib::Response& res, Engine& engine, std::shared_ptr<PreparedTurn> turn, StreamFraming framing,
                TurnStreamEvents events) {
  const bool sse = framing != StreamFraming::kNdjson;
  if (sse) res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(sse ? "text/event-stream" : "application/x-ndjson",
                                   [turn, &engine, framing, events](size_t, httplib::DataSink& sink) {
    auto write = [&](const std::string& text) {
      if (!sink.write(text.data(), text.size())) turn->cancel.store(true);
    };
    const SendEvent send = [&](const Json& j) {
      switch (framing) {
        case StreamFraming::kNdjson:
          return write(Dump(j) + "\n");
        case StreamFraming::kSse:
          return write("data: " + Dump(j) + "\n\n");
        case StreamFraming::kSseNamed:
          return write("event: " + j.value("type", std::string()) + "\ndata: " + Dump(j) + "\n\n");
      }
    };
    try {
      if (events.open) events.open(send);
      Result<TurnResult> r = engine.Run(*turn, [&](const TurnDelta& d) {
        if (turn->cancel.load() || !sink.is_writable()) {
          turn->cancel.store(true);
          return;
        }
        events.delta(d, send);
      }, [&sink] { return sink.is_writable(); });
      if (!r) {
        events.fail(r.error().message(), send);
      } else if (!turn->cancel.load()) {
        events.finish(*r, send);
        if (framing == StreamFraming::kSse) write("data: [DONE]\n\n");
      }
    } catch (const std::exception& e) {
      events.fail(std::string("internal error: ") + e.what(), send);
    }
    sink.done();
    return true;
  });
}

}  // namespace hearth::server
