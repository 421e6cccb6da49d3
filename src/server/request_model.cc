#include "server/request_model.h"

namespace hearth::server {
namespace {

// Options the OpenAI body carries under the same name at its top level (api_types.cc).
constexpr const char* kOpenAiSameName[] = {"temperature",      "top_p",           "top_k", "min_p",
                                           "repeat_penalty",   "repeat_last_n",   "seed",  "stop",
                                           "presence_penalty", "frequency_penalty", "num_ctx"};

// MESSAGE history, and SYSTEM unless the conversation opens with a system message.
Json PrefixMessages(const Json& messages, const store::ModelConfig& config) {
  if (!messages.is_array() || messages.empty()) return messages;
  Json out = Json::array();
  const Json& first = messages.front();
  const auto role = first.is_object() ? first.find("role") : first.end();
  const bool has_own_system = first.is_object() && role != first.end() && *role == "system";
  if (config.has_system && !has_own_system) out.push_back({{"role", "system"}, {"content", config.system}});
  for (const auto& m : config.messages) out.push_back(Json(m));
  for (const Json& m : messages) out.push_back(m);
  return out;
}

}  // namespace

Result<std::shared_ptr<ModelLease>> AcquireModel(ModelManager& manager, const std::string& model,
                                                 const KeepAlive& keep_alive) {
  Result<std::shared_ptr<ModelLease>> lease = manager.Acquire(model, keep_alive);
  if (!lease && lease.error().code() == StatusCode::kResourceExhausted) {
    return Status(StatusCode::kInternal, lease.error().message());
  }
  return lease;
}

Json WithModelDefaults(Json body, const store::ModelConfig& config, Dialect dialect) {
  if (!body.is_object()) return body;
  const Json params = Json(config.parameters);
  if (dialect == Dialect::kOpenAiChat) {
    for (const char* key : kOpenAiSameName) {
      if (params.contains(key) && !body.contains(key)) body[key] = params[key];
    }
    if (params.contains("num_predict") && !body.contains("max_tokens") && !body.contains("max_completion_tokens")) {
      body["max_tokens"] = params["num_predict"];
    }
  } else if (!params.empty()) {
    auto options = body.find("options");
    if (options == body.end() || options->is_null()) {
      body["options"] = params;
    } else if (options->is_object()) {
      Json merged = params;
      for (auto it = options->begin(); it != options->end(); ++it) merged[it.key()] = it.value();
      *options = std::move(merged);
    }
  }
  if (dialect == Dialect::kOllamaGenerate) {
    const bool raw = body.value("raw", Json(false)) == Json(true);
    const Json system = body.value("system", Json());
    const bool has_own_system = system.is_string() && !system.get_ref<const std::string&>().empty();
    if (!raw && config.has_system && !has_own_system) body["system"] = config.system;
  } else if (auto messages = body.find("messages"); messages != body.end()) {
    *messages = PrefixMessages(*messages, config);
  }
  return body;
}

}  // namespace hearth::server
