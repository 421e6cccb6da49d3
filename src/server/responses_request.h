// POST /v1/responses (non-stateful, as Ollama v0.13.3; spec ollama-openai-api.md §2.2): the
// request body translated into the equivalent /v1/chat/completions body, so the Responses API
// goes through the same parsing, rendering and generation as chat (ParseOpenAiChat).
#pragma once

#include "base/status.h"
#include "server/api_types.h"

namespace hearth::server {

// `input` (a string, or message / function_call / function_call_output items; reasoning items
// are dropped), `instructions` (a leading system message), function `tools`, `stream`,
// `temperature`, `top_p`, `max_output_tokens`, `reasoning.effort` and `text.format`
// (json_schema / json_object -> response_format) become their chat-completions fields; other
// fields are ignored. InvalidArgument naming the field for anything malformed, and for
// `previous_response_id` (no responses are stored) and non-function tools.
[[nodiscard]] Result<Json> ResponsesToChatBody(const Json& body);

}  // namespace hearth::server
