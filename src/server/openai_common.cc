#include "server/openai_common.h"

#include <exception>
#include <utility>

#include "server/http_util.h"
#include "server/request_model.h"

namespace hearth::server {
namespace {

const char* ErrorType(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_request_error";
    case 404:
      return "not_found_error";
    case 413:
      return "invalid_request_error";
    case 501:
      return "not_supported_error";
    case 503:
      return "unavailable_error";
    default:
      return "api_error";
  }
}

}  // namespace

Json OpenAiErrorJson(int http_status, const std::string& message) {
  return {
      {"error", {{"message", message}, {"type", ErrorType(http_status)}, {"param", nullptr}, {"code", http_status}}}};
}

void SendOpenAiError(httplib::Response& res, const Status& status) {
  res.status = HttpStatus(status);
  if (res.status == 503) res.set_header("Retry-After", "1");
  res.set_content(Dump(OpenAiErrorJson(res.status, status.message())), "application/json");
}

Result<std::shared_ptr<ModelLease>> LeaseOpenAiModel(ModelManager& models, Json& body) {
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  HEARTH_ASSIGN_OR_RETURN(const std::string name, ModelField(body));
  HEARTH_ASSIGN_OR_RETURN(std::shared_ptr<ModelLease> lease,
                          AcquireModel(models, name, models.options().default_keep_alive));
  body = WithModelDefaults(std::move(body), lease->spec().config, Dialect::kOpenAiChat);
  return lease;
}

Result<OpenAiChatTurn> PrepareOpenAiChat(ModelManager& models, Json body, Clock::time_point start) {
  HEARTH_ASSIGN_OR_RETURN(std::shared_ptr<ModelLease> lease, LeaseOpenAiModel(models, body));
  Engine& engine = lease->engine();
  HEARTH_ASSIGN_OR_RETURN(TurnRequest req, ParseOpenAiChat(body, engine.bundle().defaults));
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<PreparedTurn> prepared, engine.Prepare(std::move(req), start));
  prepared->hold = std::move(lease);
  return OpenAiChatTurn{.engine = &engine, .turn = std::move(prepared)};
}

void StreamSse(httplib::Response& res, Engine& engine, std::shared_ptr<PreparedTurn> turn, SseEvents events) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [turn, &engine, events](size_t, httplib::DataSink& sink) {
    auto write = [&](const std::string& event) {
      if (!sink.write(event.data(), event.size())) turn->cancel.store(true);
    };
    const SendEvent send = [&](const Json& j) {
      std::string event;
      if (events.named) event = "event: " + j.value("type", std::string()) + "\n";
      write(event + "data: " + Dump(j) + "\n\n");
    };
    const auto fail = [&](const std::string& message) {
      if (events.fail) return events.fail(message, send);
      send(OpenAiErrorJson(500, message));
    };
    try {
      events.open(send);
      Result<TurnResult> r = engine.Run(*turn, [&](const TurnDelta& d) {
        if (turn->cancel.load() || !sink.is_writable()) {
          turn->cancel.store(true);
          return;
        }
        events.delta(d, send);
      }, [&sink] { return sink.is_writable(); });
      if (!r) {
        fail(r.error().message());
      } else if (!turn->cancel.load()) {
        events.finish(*r, send);
        if (events.done_marker) write("data: [DONE]\n\n");
      }
    } catch (const std::exception& e) {
      fail(std::string("internal error: ") + e.what());
    }
    sink.done();
    return true;
  });
}

}  // namespace hearth::server
