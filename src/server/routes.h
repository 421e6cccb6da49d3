// Route registration for `hearth serve`: the Ollama-native API (/, /api/*) and the OpenAI API
// (/v1/*). Handlers never throw: JSON errors are caught at this boundary and become 400/500.
#pragma once

#include <httplib.h>

#include "server/engine.h"

namespace hearth::server {

void RegisterNativeRoutes(httplib::Server& http, Engine& engine);
void RegisterOpenAiRoutes(httplib::Server& http, Engine& engine);

// Wraps a handler so an exception escaping it (nlohmann, std::bad_alloc) becomes a 500.
httplib::Server::Handler Guard(httplib::Server::Handler handler);
// For POST routes: reads the body itself (httplib's size limit still gives 413) and calls
// `handler` with it in req.body. Bypasses httplib's 8 KiB cap on form-urlencoded bodies, which
// `curl -d '{...}'` (the Ollama docs' examples) sends.
httplib::Server::HandlerWithContentReader WithBody(httplib::Server::Handler handler);

}  // namespace hearth::server
