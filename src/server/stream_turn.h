// Streaming one generation to an HTTP client, for every API: Ollama's NDJSON lines, OpenAI chat
// and completions' server-sent events ending in `data: [DONE]`, and the Responses API's named
// events. The framing differs; the rest is shared: run the turn on the HTTP thread, write each
// chunk as it comes, cancel the turn when the client goes away (a failed write or an unwritable
// socket), and report a failure once the status line is already sent.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "server/api_types.h"
#include "server/engine.h"

namespace hearth::server {

enum class StreamFraming {
  kNdjson,    // one JSON object per line (application/x-ndjson)
  kSse,       // `data: {...}` events, then `data: [DONE]`
  kSseNamed,  // `event: <payload type>` + `data: {...}`, no [DONE] (the Responses API)
};

// Writes one JSON chunk in the response's framing.
using SendEvent = std::function<void(const Json& data)>;

// The callbacks of one streamed turn, all run on the HTTP thread.
struct TurnStreamEvents {
  std::function<void(const SendEvent&)> open;                       // before generation; may be empty
  std::function<void(const TurnDelta&, const SendEvent&)> delta;    // each chunk
  std::function<void(const TurnResult&, const SendEvent&)> finish;  // after a complete turn
  std::function<void(const std::string& message, const SendEvent&)> fail;  // a failure mid-stream
};

void StreamTurn(httplib::Response& res, Engine& engine, std::shared_ptr<PreparedTurn> turn, StreamFraming framing,
                TurnStreamEvents events);

}  // namespace hearth::server
