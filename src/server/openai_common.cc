#include "server/openai_common.h"

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

Result<OpenAiTurn> PrepareOpenAiTurn(ModelManager& models, Json body, Clock::time_point start,
                                     const ParseOpenAiTurnFn& parse) {
  HEARTH_ASSIGN_OR_RETURN(std::shared_ptr<ModelLease> lease, LeaseOpenAiModel(models, body));
  Engine& engine = lease->engine();
  HEARTH_ASSIGN_OR_RETURN(TurnRequest req, parse(body, engine.bundle().defaults));
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<PreparedTurn> prepared, engine.Prepare(std::move(req), start));
  prepared->hold = std::move(lease);
  return OpenAiTurn{.engine = &engine, .turn = std::move(prepared)};
}

void SendOpenAiStreamError(const std::string& message, const SendEvent& send) { send(OpenAiErrorJson(500, message)); }

}  // namespace hearth::server
