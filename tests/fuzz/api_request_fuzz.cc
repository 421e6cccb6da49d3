// libFuzzer target: the JSON request decoding of every generating endpoint (POST /api/chat,
// /api/generate, /v1/chat/completions, and /v1/responses through its conversion to a chat
// body) on arbitrary body bytes, through the same ParseBody the routes call. Beyond the
// sanitizers it checks the decoders' contract: a refusal is always
// InvalidArgument (an HTTP 400, never a 500), an accepted request carries valid sampling
// parameters, and decoding depends on the JSON value only (re-serializing the body changes no
// outcome).
#include <cstdint>
#include <string>

#include <httplib.h>

#include "fuzz_util.h"
#include "server/api_types.h"
#include "server/http_util.h"
#include "server/responses_request.h"

namespace {

using hearth::Result;
using hearth::StatusCode;
using hearth::server::Json;
using hearth::server::TurnRequest;

// "" when refused, else a summary of what the request asks for.
std::string Outcome(const Result<TurnRequest>& r) {
  if (!r) {
    HEARTH_FUZZ_CHECK(r.error().code() == StatusCode::kInvalidArgument, r.error().ToString().c_str());
    HEARTH_FUZZ_CHECK(hearth::server::HttpStatus(r.error()) == 400, "a refused request must be a 400");
    return "";
  }
  HEARTH_FUZZ_CHECK(r->gen.sampling.Validate().ok(), "accepted request with invalid sampling");
  HEARTH_FUZZ_CHECK(r->num_ctx >= 0, "negative num_ctx");
  HEARTH_FUZZ_CHECK(r->gen.num_predict >= -1, "num_predict below -1");
  HEARTH_FUZZ_CHECK(r->messages.is_array(), "messages must be an array");
  HEARTH_FUZZ_CHECK(!r->model.empty(), "accepted request without a model");
  return r->model + "\x1f" + hearth::server::Dump(r->messages) + "\x1f" + std::to_string(r->stream) +
         std::to_string(r->gen.num_predict) + "\x1f" + std::to_string(r->num_ctx);
}

void DecodeAll(const Json& body, std::string* out) {
  const hearth::SamplingParams defaults;
  for (auto parse : {&hearth::server::ParseOllamaChat, &hearth::server::ParseOllamaGenerate,
                     &hearth::server::ParseOpenAiChat}) {
    *out += Outcome(parse(body, defaults)) + "\x1e";
  }
  Result<Json> chat = hearth::server::ResponsesToChatBody(body);
  if (!chat) {
    HEARTH_FUZZ_CHECK(hearth::server::HttpStatus(chat.error()) == 400, "a refused Responses body must be a 400");
    *out += "\x1e";
    return;
  }
  *out += Outcome(hearth::server::ParseOpenAiChat(*chat, defaults)) + "\x1e";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  httplib::Request req;
  req.body.assign(reinterpret_cast<const char*>(data), size);
  Result<Json> body = hearth::server::ParseBody(req);
  if (!body) {
    HEARTH_FUZZ_CHECK(hearth::server::HttpStatus(body.error()) == 400, "an unparsable body must be a 400");
    return 0;
  }
  std::string first, again;
  DecodeAll(*body, &first);
  req.body = hearth::server::Dump(*body);
  Result<Json> reparsed = hearth::server::ParseBody(req);
  HEARTH_FUZZ_CHECK(reparsed.ok() && *reparsed == *body, "a parsed body must survive serialization");
  DecodeAll(*reparsed, &again);
  HEARTH_FUZZ_CHECK(first == again, "decoding depends on more than the JSON value");
  return 0;
}
