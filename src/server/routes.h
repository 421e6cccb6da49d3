// Route registration for `hearth serve`: the Ollama-native API (/, /api/chat, /api/generate,
// /metrics), the store endpoints (/api/tags, ps, show, pull, create, copy, delete) and the OpenAI
// API (/v1/*, the Responses API in its own file). Handlers never throw: JSON errors are caught at
// this boundary and become 400/500.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "server/api_types.h"
#include "server/connection_guard.h"
#include "server/model_manager.h"

namespace hearth::server {

// The generating routes ask `connections` whether a non-streaming request's client is still
// there, so a client that hangs up frees its slot (or its place in the queue) within 200 ms.
void RegisterNativeRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections);
void RegisterStoreRoutes(httplib::Server& http, ModelManager& models);
void RegisterOpenAiRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections);
// routes_responses.cc: POST /v1/responses.
void RegisterResponsesRoutes(httplib::Server& http, ModelManager& models, const ConnectionGuard& connections);

// Wraps a handler so an exception escaping it (nlohmann, std::bad_alloc) becomes a 500.
httplib::Server::Handler Guard(httplib::Server::Handler handler);
// For POST routes: reads the body itself (httplib's size limit still gives 413) and calls
// `handler` with it in req.body. Bypasses httplib's 8 KiB cap on form-urlencoded bodies, which
// `curl -d '{...}'` (the Ollama docs' examples) sends.
httplib::Server::HandlerWithContentReader WithBody(httplib::Server::Handler handler);

// A model /api/tags and /v1/models list: every store model, plus the --model file.
struct ListedModel {
  std::string name;  // "tiny:latest"
  int64_t modified = 0;  // Unix seconds
  uint64_t size = 0;
  std::string digest;  // 64 hex
  Json details;
};
// routes_store.cc. Store errors (unreadable directory) come back as the Status.
[[nodiscard]] Result<std::vector<ListedModel>> ListModels(const ModelManager& models);

}  // namespace hearth::server
