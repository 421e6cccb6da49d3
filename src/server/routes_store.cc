// The store endpoints of the Ollama API: /api/tags (the store plus the --model file), /api/ps
// (loaded models), /api/show, /api/pull (NDJSON progress), /api/create, /api/copy and
// DELETE /api/delete, all on the store at $HEARTH_MODELS. /api/push and embeddings stay 501.
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <tuple>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/file_checks.h"
#include "runtime/model_bundle.h"
#include "server/http_util.h"
#include "server/routes.h"
#include "store/atomic_file.h"
#include "store/create.h"
#include "store/model_store.h"
#include "store/modelfile.h"
#include "store/pull.h"

namespace hearth::server {
namespace {

// Far future for models kept forever (keep_alive < 0), as Ollama shows them.
constexpr const char* kForever = "2318-01-01T00:00:00Z";
// Least time between two progress lines of one download.
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

void SendError(httplib::Response& res, const Status& status) {
  res.status = HttpStatus(status);
  if (res.status == 503) res.set_header("Retry-After", "1");
  res.set_content(Dump(Json{{"error", status.message()}}), "application/json; charset=utf-8");
}

void SendJson(httplib::Response& res, const Json& j) { res.set_content(Dump(j), "application/json; charset=utf-8"); }

Result<Json> BodyObject(const httplib::Request& http) {
  HEARTH_ASSIGN_OR_RETURN(Json body, ParseBody(http));
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  return body;
}

Result<store::ModelName> NameField(const Json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return InvalidArgument(std::string(key) + " is required");
  }
  Result<store::ModelName> name = store::ParseModelName(it->get<std::string>());
  if (!name) return InvalidArgument("invalid model name: " + name.error().message());
  return name;
}

Result<store::ModelName> ModelNameField(const Json& body) {
  HEARTH_ASSIGN_OR_RETURN(const std::string text, ModelField(body));
  Result<store::ModelName> name = store::ParseModelName(text);
  if (!name) return InvalidArgument("invalid model name: " + name.error().message());
  return name;
}

// Ollama's details object; quantization from the config blob's file_type (pulled models).
Json Details(const Json& config) {
  return {{"parent_model", config.value("parent_model", "")},
          {"format", "gguf"},
          {"family", "gemma4"},
          {"families", {"gemma4"}},
          {"parameter_size", ""},
          {"quantization_level", config.value("file_type", "")}};
}

Json ConfigJson(const store::ModelStore& store, const store::Manifest& m) {
  const std::optional<std::string> hex = store::DigestHex(m.config.digest);
  if (!hex || !store.HasBlob(*hex)) return Json::object();
  Result<std::string> text = store::ReadWholeFile(store.BlobPath(*hex));
  if (!text) return Json::object();
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : Json::object();
}

std::string ExpiresAt(const LoadedInfo& info) {
  if (info.forever) return kForever;
  const auto left = std::chrono::duration_cast<std::chrono::system_clock::duration>(info.expires - Clock::now());
  const auto when = std::chrono::system_clock::now() + left;
  return FormatRfc3339(std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count());
}

Json Capabilities(const ModelBundle& bundle) {
  Json caps = {"completion"};
  if (!bundle.chat_template.empty()) {
    caps.push_back("tools");
    caps.push_back("thinking");
  }
  return caps;
}

// PARAMETER lines ("key value", `stop` once per string), as /api/show and Modelfiles print them.
std::string ParameterLines(const Json& params) {
  std::string out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const Json values = it.value().is_array() ? it.value() : Json::array({it.value()});
    for (const Json& v : values) out += it.key() + " " + (v.is_string() ? v.get<std::string>() : Dump(v)) + "\n";
  }
  return out;
}

void HandleShow(ModelManager& models, const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = BodyObject(http);
  if (!body) return SendError(res, body.error());
  Result<std::string> name = ModelField(*body);
  if (!name) return SendError(res, name.error());
  Result<ModelSpec> spec = models.Resolve(*name);
  if (!spec) return SendError(res, spec.error());
  Result<ModelBundle> bundle = LoadModelBundle(spec->path);
  if (!bundle) return SendError(res, bundle.error());
  const store::ModelConfig& c = spec->config;
  std::string params = ParameterLines(Json(c.parameters));
  if (params.empty()) {
    const SamplingParams& p = bundle->defaults;
    params = ParameterLines({{"temperature", p.temperature}, {"top_k", p.top_k}, {"top_p", p.top_p}});
  }
  std::string modelfile = "# Modelfile generated by hearth\nFROM " + spec->path + "\n";
  if (!c.template_text.empty()) modelfile += "TEMPLATE \"\"\"" + c.template_text + "\"\"\"\n";
  if (c.has_system) modelfile += "SYSTEM \"\"\"" + c.system + "\"\"\"\n";
  for (size_t pos = 0; pos < params.size();) {  // every line ends with '\n'
    const size_t nl = params.find('\n', pos);
    modelfile += "PARAMETER " + params.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  for (const auto& m : c.messages) {
    modelfile += "MESSAGE " + m.value("role", "") + " \"\"\"" + m.value("content", "") + "\"\"\"\n";
  }
  const Gemma4Hparams& hp = bundle->model->hparams();
  Json reply = {{"license", ""},
                {"modelfile", modelfile},
                {"parameters", params},
                {"template", c.template_text.empty() ? bundle->chat_template : c.template_text},
                {"details", Details(Json::object())},
                {"model_info",
                 {{"general.architecture", "gemma4"},
                  {"gemma4.block_count", hp.n_layer},
                  {"gemma4.context_length", hp.n_ctx_train},
                  {"gemma4.embedding_length", hp.n_embd},
                  {"gemma4.vocab_size", hp.n_vocab}}},
                {"capabilities", Capabilities(*bundle)}};
  if (c.has_system) reply["system"] = c.system;
  if (!c.messages.empty()) reply["messages"] = Json(c.messages);
  Result<std::vector<ListedModel>> listed = ListModels(models);
  if (listed) {
    for (const ListedModel& m : *listed) {
      if (ModelManager::Key(m.name) != ModelManager::Key(spec->name)) continue;
      reply["details"] = m.details;
      reply["modified_at"] = FormatRfc3339(m.modified);
    }
  }
  SendJson(res, reply);
}

// Runs `work` with a line writer: NDJSON lines while it goes when `stream`, else one reply.
// Errors before the first line get their HTTP status; later ones an {"error"} line.
void Progress(httplib::Response& res, bool stream, std::function<Status(const std::function<void(const Json&)>&)> work) {
  if (!stream) {
    Status st = work([](const Json&) {});
    if (!st.ok()) return SendError(res, st);
    return SendJson(res, {{"status", "success"}});
  }
  res.set_chunked_content_provider("application/x-ndjson", [work](size_t, httplib::DataSink& sink) {
    bool open = true;
    auto write = [&](const Json& j) {
      const std::string line = Dump(j) + "\n";
      if (open && !sink.write(line.data(), line.size())) open = false;
    };
    try {
      Status st = work(write);
      write(st.ok() ? Json{{"status", "success"}} : Json{{"error", st.message()}});
    } catch (const std::exception& e) {
      write(Json{{"error", std::string("internal error: ") + e.what()}});
    }
    sink.done();
    return true;
  });
}

void HandlePull(const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = BodyObject(http);
  if (!body) return SendError(res, body.error());
  Result<std::string> text = ModelField(*body);
  if (!text) return SendError(res, text.error());
  Result<store::PullTarget> target = store::ResolvePullTarget(*text);
  if (!target) return SendError(res, target.error());
  Result<store::ModelStore> store = store::ModelStore::OpenDefault();
  if (!store) return SendError(res, store.error());
  const bool stream = body->value("stream", Json(true)) != Json(false);
  Progress(res, stream, [target = *target, store = *store](const std::function<void(const Json&)>& write) {
    auto last = Clock::now() - kProgressInterval;
    std::string last_status;
    auto on_progress = [&](const store::PullProgress& p) {
      Json j = {{"status", p.status}};
      if (!p.digest.empty()) {
        // Progress of one layer: throttled, but its first and last lines always go out.
        const bool done = p.total > 0 && p.completed >= p.total;
        if (p.status == last_status && !done && Clock::now() - last < kProgressInterval) return;
        j["digest"] = p.digest;
        j["total"] = p.total;
        j["completed"] = p.completed;
      }
      last = Clock::now();
      last_status = p.status;
      write(j);
    };
    Result<store::Manifest> m = store::Pull(store, store::HubConfig::FromEnv(), target, on_progress);
    return m ? Status::Ok() : m.error().WithContext("pull " + target.name.Display());
  });
}

// The Modelfile an /api/create body describes: its `modelfile` text (the legacy form), then the
// fields, which win.
Result<store::Modelfile> CreateModelfile(const Json& body) {
  store::Modelfile mf;
  if (auto it = body.find("modelfile"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("modelfile: expected a string");
    HEARTH_ASSIGN_OR_RETURN(mf, store::ParseModelfile(it->get<std::string>()));
  }
  if (body.contains("files") || body.contains("adapters")) {
    return Unsupported("files and adapters (uploaded blobs) are not supported; give `from` a GGUF path on the "
                       "server or a model name");
  }
  for (auto [key, out, has] : {std::tuple{"from", &mf.from, static_cast<bool*>(nullptr)},
                               std::tuple{"system", &mf.system, &mf.has_system},
                               std::tuple{"template", &mf.template_text, &mf.has_template},
                               std::tuple{"license", &mf.license, &mf.has_license}}) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) return InvalidArgument(std::string(key) + ": expected a string");
    *out = it->get<std::string>();
    if (has != nullptr) *has = true;
  }
  if (auto it = body.find("parameters"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("parameters: expected an object");
    for (auto p = it->begin(); p != it->end(); ++p) {
      const Json values = p.value().is_array() ? p.value() : Json::array({p.value()});
      for (const Json& v : values) mf.parameters.emplace_back(p.key(), v.is_string() ? v.get<std::string>() : Dump(v));
    }
  }
  if (auto it = body.find("messages"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return InvalidArgument("messages: expected an array");
    for (const Json& m : *it) {
      if (!m.is_object() || !m.value("role", Json()).is_string() || !m.value("content", Json()).is_string()) {
        return InvalidArgument("messages[]: expected {\"role\": string, \"content\": string}");
      }
      mf.messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
  }
  if (mf.from.empty()) return InvalidArgument("neither 'from' nor 'modelfile' was specified");
  return mf;
}

void HandleCreate(ModelManager& models, const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = BodyObject(http);
  if (!body) return SendError(res, body.error());
  Result<store::ModelName> name = ModelNameField(*body);
  if (!name) return SendError(res, name.error());
  Result<store::Modelfile> mf = CreateModelfile(*body);
  if (!mf) return SendError(res, mf.error());
  Result<store::ModelStore> store = store::ModelStore::OpenDefault();
  if (!store) return SendError(res, store.error());
  const bool stream = body->value("stream", Json(true)) != Json(false);
  Progress(res, stream,
           [&models, name = *name, mf = *mf, store = *store](const std::function<void(const Json&)>& write) {
             const store::CreateHooks hooks{
                 .check_model = CheckModelFile,
                 .check_adapter = CheckAdapterFile,
                 .on_status = [&](std::string_view s) { write(Json{{"status", std::string(s)}}); }};
             // Relative FROM paths resolve against the server's working directory.
             Result<store::Manifest> m = store::CreateModel(store, name, mf, ".", hooks);
             if (!m) return m.error();
             models.Forget(name.Display());  // a loaded older version is replaced once idle
             return Status::Ok();
           });
}

Status NotFoundModel(const store::ModelStore& store, const store::ModelName& name) {
  if (store.ReadManifest(name)) return Status::Ok();
  return NotFound("model '" + name.Display() + "' not found");
}

void HandleCopy(const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = BodyObject(http);
  if (!body) return SendError(res, body.error());
  Result<store::ModelName> from = NameField(*body, "source");
  if (!from) return SendError(res, from.error());
  Result<store::ModelName> to = NameField(*body, "destination");
  if (!to) return SendError(res, to.error());
  Result<store::ModelStore> store = store::ModelStore::OpenDefault();
  if (!store) return SendError(res, store.error());
  if (Status st = NotFoundModel(*store, *from); !st.ok()) return SendError(res, st);
  if (Status st = store->Copy(*from, *to); !st.ok()) return SendError(res, st);
  res.status = 200;
}

void HandleDelete(ModelManager& models, const httplib::Request& http, httplib::Response& res) {
  Result<Json> body = BodyObject(http);
  if (!body) return SendError(res, body.error());
  Result<store::ModelName> name = ModelNameField(*body);
  if (!name) return SendError(res, name.error());
  Result<store::ModelStore> store = store::ModelStore::OpenDefault();
  if (!store) return SendError(res, store.error());
  if (Status st = NotFoundModel(*store, *name); !st.ok()) return SendError(res, st);
  if (Status st = store->Remove(*name); !st.ok()) return SendError(res, st);
  models.Forget(name->Display());
  res.status = 200;
}

Json TagsEntry(const ListedModel& m) {
  return {{"name", m.name},   {"model", m.name},        {"modified_at", FormatRfc3339(m.modified)},
          {"size", m.size},   {"digest", m.digest},     {"details", m.details}};
}

Json PsJson(const ModelManager& models) {
  Json out = Json::array();
  for (const LoadedInfo& info : models.Loaded()) {
    out.push_back({{"name", info.spec.name},
                   {"model", info.spec.name},
                   {"size", info.bytes},
                   {"digest", info.spec.digest},
                   {"details", Details(Json::object())},
                   {"expires_at", ExpiresAt(info)},
                   {"size_vram", 0},
                   {"context_length", info.context_length}});
  }
  return {{"models", out}};
}

}  // namespace

Result<std::vector<ListedModel>> ListModels(const ModelManager& models) {
  std::vector<ListedModel> out;
  HEARTH_ASSIGN_OR_RETURN(const store::ModelStore store, store::ModelStore::OpenDefault());
  HEARTH_ASSIGN_OR_RETURN(const std::vector<store::StoreEntry> entries, store.List());
  std::set<std::string> keys;
  for (const store::StoreEntry& e : entries) {
    out.push_back({.name = e.name.Display(),
                   .modified = static_cast<int64_t>(e.modified),
                   .size = e.size,
                   .digest = e.digest_hex,
                   .details = Details(ConfigJson(store, e.manifest))});
    keys.insert(ModelManager::Key(e.name.Display()));
  }
  // The --model file, unless it is a store model listed above.
  for (const LoadedInfo& info : models.Loaded()) {
    if (!info.spec.pinned || keys.contains(ModelManager::Key(info.spec.name))) continue;
    struct stat st {};
    const bool ok = ::stat(info.spec.path.c_str(), &st) == 0;
    out.push_back({.name = info.spec.name,
                   .modified = ok ? static_cast<int64_t>(st.st_mtime) : 0,
                   .size = ok ? static_cast<uint64_t>(st.st_size) : 0,
                   .digest = info.spec.digest,
                   .details = Details(Json::object())});
  }
  return out;
}

void RegisterStoreRoutes(httplib::Server& http, ModelManager& models) {
  http.Get("/api/tags", Guard([&models](const httplib::Request&, httplib::Response& res) {
             Result<std::vector<ListedModel>> listed = ListModels(models);
             if (!listed) return SendError(res, listed.error());
             Json list = Json::array();
             for (const ListedModel& m : *listed) list.push_back(TagsEntry(m));
             SendJson(res, {{"models", list}});
           }));
  http.Get("/api/ps", Guard([&models](const httplib::Request&, httplib::Response& res) {
             SendJson(res, PsJson(models));
           }));
  http.Post("/api/show", WithBody([&models](const httplib::Request& req, httplib::Response& res) {
              HandleShow(models, req, res);
            }));
  http.Post("/api/pull", WithBody(HandlePull));
  http.Post("/api/create", WithBody([&models](const httplib::Request& req, httplib::Response& res) {
              HandleCreate(models, req, res);
            }));
  http.Post("/api/copy", WithBody(HandleCopy));
  http.Delete("/api/delete", Guard([&models](const httplib::Request& req, httplib::Response& res) {
                HandleDelete(models, req, res);
              }));
  httplib::Server::Handler not_implemented = Guard([](const httplib::Request& req, httplib::Response& res) {
    SendError(res, Unsupported(req.path + " is not supported by hearth"));
  });
  for (const char* path : {"/api/push", "/api/embed", "/api/embeddings"}) http.Post(path, WithBody(not_implemented));
}

}  // namespace hearth::server
