// `hearth run MODEL [PROMPT]`: chat with a model in the terminal, in the style of `ollama run`.
// One-shot when PROMPT is given or stdin is not a terminal; otherwise an interactive REPL with
// streaming output, dimmed thinking, """ multi-line input and /set, /show, /clear, /bye.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chat/chat_template.h"
#include "chat/output_parser.h"
#include "cli/command.h"
#include "cli/model_ref.h"
#include "runtime/generate.h"
#include "runtime/model_bundle.h"
#include "server/api_types.h"

namespace hearth::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSigint(int) { g_interrupted.store(true); }

// Ctrl-C stops the current generation (or the current input line) instead of the process.
// No SA_RESTART, so a blocked read returns and the REPL can re-prompt.
void InstallSigint() {
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

struct RunArgs {
  std::string model, prompt, system, format, kv_cache_type;
  int ctx = 0, threads = 0, num_predict = -1, top_k = -1, max_thinking_tokens = -1;
  double temperature = -1, top_p = -1, min_p = -1, repeat_penalty = -1;
  int64_t seed = -1;
  bool think = false, no_think = false, hide_thinking = false, raw = false, json = false, verbose = false;
  bool truncate = false;
};

// The state of one chat: options that /set can change and the conversation so far.
struct Chat {
  RunArgs args;
  ModelBundle* bundle = nullptr;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Session> session;
  GenerateOptions gen;
  std::optional<bool> think;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  bool color = false;
};

void PrintTimings(const GenerateStats& s, double load_seconds) {
  auto rate = [](int64_t n, double sec) { return sec > 0 ? static_cast<double>(n) / sec : 0.0; };
  const int64_t computed = s.prompt_tokens - s.prompt_reused;
  std::fprintf(stderr, "total duration:       %.3fs\n", load_seconds + s.prompt_seconds + s.eval_seconds);
  std::fprintf(stderr, "load duration:        %.3fs\n", load_seconds);
  std::fprintf(stderr, "prompt eval count:    %lld token(s) (%lld reused from cache)\n", static_cast<long long>(computed),
               static_cast<long long>(s.prompt_reused));
  std::fprintf(stderr, "prompt eval duration: %.3fs\n", s.prompt_seconds);
  std::fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n", rate(computed, s.prompt_seconds));
  std::fprintf(stderr, "eval count:           %lld token(s)\n", static_cast<long long>(s.eval_count));
  std::fprintf(stderr, "eval duration:        %.3fs\n", s.eval_seconds);
  std::fprintf(stderr, "eval rate:            %.2f tokens/s\n", rate(s.eval_count, s.eval_seconds));
}

Result<std::vector<int32_t>> BuildPrompt(Chat& c, const std::string& user_text, std::string* suffix) {
  const Tokenizer& tok = *c.bundle->tokenizer;
  if (c.args.raw) return tok.Encode(user_text, /*parse_special=*/true, /*add_bos=*/true);
  if (c.bundle->chat_template.empty()) {
    return InvalidArgument("this model has no chat template (tokenizer.chat_template); use --raw");
  }
  nlohmann::ordered_json messages = c.messages;
  messages.push_back({{"role", "user"}, {"content", user_text}});
  ChatRenderOptions opts;
  opts.enable_thinking = c.think;
  opts.bos_token = std::string(tok.TokenText(tok.bos_id()));
  HEARTH_ASSIGN_OR_RETURN(std::string text, RenderChat(c.bundle->chat_template, messages, nullptr, opts));
  // The parser must see a channel the generation prompt already opened (26B/31B pre-fill).
  const size_t turn = text.rfind("<|turn>model\n");
  *suffix = turn == std::string::npos ? "" : text.substr(turn);
  return tok.Encode(text, /*parse_special=*/true, /*add_bos=*/false);
}

// Drops the oldest exchange after any system message; false when there is none left.
bool DropOldestTurn(nlohmann::ordered_json& messages) {
  size_t first = 0;
  while (first < messages.size() && messages[first].value("role", "") == "system") ++first;
  if (first + 1 >= messages.size()) return false;
  // A user message and everything up to the next user message (the replies and tool results).
  size_t end = first + 1;
  while (end < messages.size() && messages[end].value("role", "") != "user") ++end;
  messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(first), messages.begin() + static_cast<std::ptrdiff_t>(end));
  return true;
}

// The prompt of the next turn; with --truncate, old turns are dropped until it fits with room
// for a reply (a quarter of the context or num_predict, whichever is smaller).
Result<std::vector<int32_t>> FittingPrompt(Chat& c, const std::string& user_text, std::string* suffix) {
  const size_t ctx = static_cast<size_t>(c.session->n_ctx());
  const size_t room = c.gen.num_predict >= 0 ? std::min<size_t>(ctx / 4, static_cast<size_t>(c.gen.num_predict)) : ctx / 4;
  for (;;) {
    HEARTH_ASSIGN_OR_RETURN(std::vector<int32_t> prompt, BuildPrompt(c, user_text, suffix));
    if (prompt.size() + room <= ctx || !c.args.truncate || !DropOldestTurn(c.messages)) {
      if (prompt.size() > ctx) {
        return OutOfRange("prompt of " + std::to_string(prompt.size()) + " tokens does not fit the context of " +
                          std::to_string(ctx) + " tokens" + (c.args.truncate ? "" : " (--truncate drops old turns)"));
      }
      return prompt;
    }
  }
}

// Runs one user turn; streams unless --json. Returns the process exit code.
int Turn(Chat& c, const std::string& user_text) {
  std::string suffix;
  Result<std::vector<int32_t>> prompt = FittingPrompt(c, user_text, &suffix);
  if (!prompt) return Fail(prompt.error());
  OutputParser parser({.return_thinking = true, .generation_prompt_suffix = suffix});
  std::string thinking, content;
  nlohmann::ordered_json tool_calls = nlohmann::ordered_json::array();
  bool in_thinking = false;
  auto show = [&](const ParseDelta& d) {
    thinking += d.thinking_delta;
    content += d.content_delta;
    for (const ParsedToolCall& call : d.tool_calls) {
      tool_calls.push_back({{"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    if (c.args.json) return;
    if (!d.thinking_delta.empty() && !c.args.hide_thinking) {
      if (!in_thinking) std::fputs(c.color ? "\x1b[2mThinking...\n" : "Thinking...\n", stdout);
      in_thinking = true;
      std::fputs(d.thinking_delta.c_str(), stdout);
    }
    if (!d.content_delta.empty() || !d.tool_calls.empty()) {
      if (in_thinking) std::fputs(c.color ? "\n...done thinking.\x1b[0m\n\n" : "\n...done thinking.\n\n", stdout);
      in_thinking = false;
      std::fputs(d.content_delta.c_str(), stdout);
      for (const ParsedToolCall& call : d.tool_calls) {
        std::printf("[tool call] %s(%s)\n", call.name.c_str(), call.arguments.dump().c_str());
      }
    }
    std::fflush(stdout);
  };
  g_interrupted.store(false);
  Result<GenerateResult> r = Generate(
      *c.session, *c.bundle->tokenizer, *prompt, c.gen,
      [&](const TokenEvent& e) {
        if (!c.args.raw) {
          show(parser.Push(e.text));
        } else if (!c.args.json) {
          std::fputs(e.text.c_str(), stdout);
          std::fflush(stdout);
        }
      },
      &g_interrupted);
  if (!r) return Fail(r.error());
  if (c.args.raw) {
    content = r->text;
  } else {
    show(parser.Finish());
  }
  if (!c.args.json) {
    if (in_thinking && c.color) std::fputs("\x1b[0m", stdout);
    std::fputs(r->done_reason == "cancel" ? "\n^C\n" : "\n", stdout);
    std::fflush(stdout);
    if (c.args.verbose) PrintTimings(r->stats, c.bundle->load_seconds);
  } else {
    nlohmann::ordered_json j = {{"text", r->text},       {"ids", r->ids},
                                {"content", content},     {"thinking", thinking},
                                {"tool_calls", tool_calls}, {"done_reason", r->done_reason},
                                {"prompt_eval_count", r->stats.prompt_tokens - r->stats.prompt_reused},
                                {"prompt_eval_duration_s", r->stats.prompt_seconds},
                                {"eval_count", r->stats.eval_count},
                                {"eval_duration_s", r->stats.eval_seconds},
                                {"load_duration_s", c.bundle->load_seconds}};
    std::printf("%s\n", j.dump().c_str());
  }
  c.messages.push_back({{"role", "user"}, {"content", user_text}});
  nlohmann::ordered_json reply = {{"role", "assistant"}, {"content", content}};
  if (!thinking.empty()) reply["thinking"] = thinking;
  c.messages.push_back(reply);
  return 0;
}

// "/set parameter NAME VALUE": the Ollama names for the common options.
Status SetParameter(Chat& c, const std::string& name, const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0') return InvalidArgument("'" + value + "' is not a number");
  SamplingParams p = c.gen.sampling;
  if (name == "temperature") p.temperature = static_cast<float>(v);
  else if (name == "top_k") p.top_k = static_cast<int>(v);
  else if (name == "top_p") p.top_p = static_cast<float>(v);
  else if (name == "min_p") p.min_p = static_cast<float>(v);
  else if (name == "repeat_penalty") p.repeat_penalty = static_cast<float>(v);
  else if (name == "repeat_last_n") p.repeat_last_n = static_cast<int>(v);
  else if (name == "seed") p.seed = static_cast<uint64_t>(v);
  else if (name == "num_predict") c.gen.num_predict = static_cast<int>(v);
  else return InvalidArgument("unknown parameter '" + name + "' (temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n, seed, num_predict)");
  HEARTH_RETURN_IF_ERROR(p.Validate());
  c.gen.sampling = p;
  return Status::Ok();
}

void ShowInfo(const Chat& c) {
  const Gemma4Hparams& hp = c.bundle->model->hparams();
  std::printf("  Model\n    architecture    gemma4 (%s)\n    layers          %d\n    embedding       %d\n"
              "    context length  %d (session: %d)\n    sliding window  %d\n",
              hp.VariantName().c_str(), hp.n_layer, hp.n_embd, hp.n_ctx_train, c.session->n_ctx(), hp.sliding_window);
  const SamplingParams& p = c.gen.sampling;
  std::printf("  Parameters\n    temperature     %g\n    top_k           %d\n    top_p           %g\n    min_p           %g\n"
              "    repeat_penalty  %g\n    num_predict     %d\n    thinking        %s\n",
              p.temperature, p.top_k, p.top_p, p.min_p, p.repeat_penalty, c.gen.num_predict,
              !c.think ? "template default" : (*c.think ? "on" : "off"));
}

constexpr const char* kHelp =
    "Available commands:\n"
    "  /set parameter NAME VALUE   temperature, top_k, top_p, min_p, repeat_penalty, seed, num_predict\n"
    "  /set think | /set nothink   turn thinking on or off\n"
    "  /show info                  model and parameters\n"
    "  /clear                      forget the conversation\n"
    "  /bye                        leave (or Ctrl-D)\n"
    "  \"\"\"                         begin and end a multi-line message\n"
    "Ctrl-C stops a reply that is being generated.\n";

// Handles a /command; returns false when the REPL should end.
bool Command(Chat& c, const std::string& line) {
  std::istringstream in(line);
  std::string cmd, a, b, v;
  in >> cmd >> a >> b >> v;
  if (cmd == "/bye" || cmd == "/exit") return false;
  if (cmd == "/clear") {
    c.messages = nlohmann::ordered_json::array();
    c.session->Clear();
    std::printf("Cleared session context\n");
  } else if (cmd == "/set" && a == "think") {
    c.think = true;
    std::printf("Set 'think' mode.\n");
  } else if (cmd == "/set" && a == "nothink") {
    c.think = false;
    std::printf("Set 'nothink' mode.\n");
  } else if (cmd == "/set" && a == "parameter") {
    Status st = SetParameter(c, b, v);
    if (st.ok()) {
      std::printf("Set parameter '%s' to '%s'\n", b.c_str(), v.c_str());
    } else {
      std::printf("error: %s\n", st.message().c_str());
    }
  } else if (cmd == "/show" && a == "info") {
    ShowInfo(c);
  } else if (cmd == "/?" || cmd == "/help") {
    std::fputs(kHelp, stdout);
  } else {
    std::printf("Unknown command '%s'. Type /? for help\n", cmd.c_str());
  }
  return true;
}

// Reads one user message (a line, or a """-delimited block). False on end of input.
bool ReadMessage(std::string* out) {
  out->clear();
  std::string line;
  for (;;) {
    std::fputs(">>> ", stdout);
    std::fflush(stdout);
    g_interrupted.store(false);
    if (std::getline(std::cin, line)) break;
    if (std::cin.eof() && !g_interrupted.load()) return false;
    std::cin.clear();
    std::fputs("\nUse Ctrl + d or /bye to exit.\n", stdout);
  }
  if (line.rfind("\"\"\"", 0) != 0) {
    *out = line;
    return true;
  }
  std::string text = line.substr(3);
  for (;;) {
    const size_t close = text.find("\"\"\"");
    if (close != std::string::npos) {
      text.resize(close);
      break;
    }
    std::fputs("... ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) {
      if (g_interrupted.load()) {
        std::cin.clear();
        std::fputs("\n", stdout);
        out->clear();
        return true;
      }
      break;
    }
    text += "\n" + line;
  }
  *out = text;
  return true;
}

// A store model's Modelfile settings, beneath the command line's flags (as in Ollama): PARAMETER
// values go through the API's own option decoder (same names and ranges as `hearth serve`),
// SYSTEM and MESSAGE lines open the conversation. Returns the Modelfile's num_ctx (0: unset).
Result<int> ApplyModelfile(const store::ModelConfig& config, const RunArgs& a, Chat& c) {
  server::TurnRequest req;
  req.gen = c.gen;
  if (Status st = server::ApplyOllamaOptions(server::Json::parse(config.parameters.dump()), req); !st.ok()) {
    return InvalidArgument("the model's PARAMETER values: " + st.message());
  }
  c.gen = req.gen;
  if (a.system.empty() && config.has_system) c.messages.push_back({{"role", "system"}, {"content", config.system}});
  for (const nlohmann::json& m : config.messages) c.messages.push_back(nlohmann::ordered_json::parse(m.dump()));
  return req.num_ctx;
}

int Run(RunArgs a) {
  if (a.think && a.no_think) return Fail(InvalidArgument("--think and --no-think exclude each other"));
  Result<GgmlType> kv_type = ResolveKvCacheType(a.kv_cache_type);
  if (!kv_type) return Fail(kv_type.error());
  const bool interactive_terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  Result<ModelRef> ref = ResolveOrPullModel(a.model);
  if (!ref) return Fail(ref.error());
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "loading %s ...\r", a.model.c_str());
  Result<ModelBundle> bundle = LoadModelBundle(ref->path);
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\x1b[2K\r");
  if (!bundle) return Fail(bundle.error());
  Chat c;
  c.args = a;
  c.bundle = &*bundle;
  c.color = isatty(STDOUT_FILENO);
  c.gen.sampling = bundle->defaults;
  if (!a.system.empty()) c.messages.push_back({{"role", "system"}, {"content", a.system}});
  int modelfile_ctx = 0;
  if (ref->config) {
    Result<int> n = ApplyModelfile(*ref->config, a, c);
    if (!n) return Fail(n.error());
    modelfile_ctx = *n;
  }
  if (!a.format.empty()) {
    // "json" or a schema's JSON text, decoded like the API's `format`.
    server::Json format = server::Json::parse(a.format, nullptr, /*allow_exceptions=*/false);
    if (format.is_discarded()) format = a.format;
    server::TurnRequest req;
    if (Status st = server::ApplyFormat(format, req); !st.ok()) return Fail(st);
    c.gen.format = req.gen.format;
  }
  const int train_ctx = bundle->model->hparams().n_ctx_train;
  const int ctx = a.ctx > 0 ? a.ctx : modelfile_ctx > 0 ? std::min(modelfile_ctx, train_ctx) : std::min(4096, train_ctx);
  if (ctx > train_ctx) {
    return Fail(InvalidArgument("--ctx " + std::to_string(ctx) + " exceeds the model's context length " + std::to_string(train_ctx)));
  }
  c.pool = std::make_unique<ThreadPool>(a.threads > 0 ? a.threads : ThreadPool::DefaultThreadCount());
  c.session = std::make_unique<Session>(*bundle->model, ctx, *c.pool, KernelMode::kFast, 512, *kv_type);
  if (a.temperature >= 0) c.gen.sampling.temperature = static_cast<float>(a.temperature);
  if (a.top_k >= 0) c.gen.sampling.top_k = a.top_k;
  if (a.top_p >= 0) c.gen.sampling.top_p = static_cast<float>(a.top_p);
  if (a.min_p >= 0) c.gen.sampling.min_p = static_cast<float>(a.min_p);
  if (a.repeat_penalty >= 0) c.gen.sampling.repeat_penalty = static_cast<float>(a.repeat_penalty);
  if (a.seed >= 0) c.gen.sampling.seed = static_cast<uint64_t>(a.seed);
  if (Status st = c.gen.sampling.Validate(); !st.ok()) return Fail(st);
  if (a.num_predict != -1) c.gen.num_predict = a.num_predict;
  c.gen.max_thinking_tokens = a.max_thinking_tokens;
  if (a.think) c.think = true;
  if (a.no_think) c.think = false;
  InstallSigint();

  if (!a.prompt.empty() || !isatty(STDIN_FILENO)) {
    std::string prompt = a.prompt;
    if (prompt.empty()) prompt.assign(std::istreambuf_iterator<char>(std::cin), {});
    if (prompt.empty()) return Fail(InvalidArgument("empty prompt"));
    return Turn(c, prompt);
  }
  if (!interactive_terminal) return Fail(InvalidArgument("no prompt given and the output is not a terminal"));
  std::string message;
  while (ReadMessage(&message)) {
    if (message.empty()) continue;
    if (message[0] == '/') {
      if (!Command(c, message)) return 0;
      continue;
    }
    Turn(c, message);
  }
  std::fputs("\n", stdout);
  return 0;
}

}  // namespace

RunFn AddRunCommand(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Chat with a model (one-shot with a PROMPT, else interactive)");
  cmd->add_option("model", a->model, "GGUF model file, or a model name (pulled first when not in the store)")->required();
  cmd->add_option("prompt", a->prompt, "Prompt (one-shot); read from stdin when stdin is not a terminal");
  cmd->add_option("--ctx", a->ctx, "Context length (default: min(4096, the model's))")->check(CLI::PositiveNumber);
  cmd->add_option("--threads,-t", a->threads, "Threads (default: physical cores)")->check(CLI::PositiveNumber);
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  cmd->add_option("--temperature", a->temperature, "Sampling temperature (0 = greedy)")->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", a->top_k, "Top-k (0 = off)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-p", a->top_p, "Top-p")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-p", a->min_p, "Min-p")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--repeat-penalty", a->repeat_penalty, "Repetition penalty")->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--seed", a->seed, "Random seed")->check(CLI::NonNegativeNumber);
  cmd->add_option("--num-predict,-n", a->num_predict, "Most tokens to generate (-1 = no limit)")->check(CLI::Range(-1, 1 << 30));
  cmd->add_option("--max-thinking-tokens", a->max_thinking_tokens, "Thinking budget in tokens (-1 = none)")
      ->check(CLI::Range(-1, 1 << 30));
  cmd->add_option("--system", a->system, "System prompt");
  cmd->add_option("--format", a->format, "Answer in JSON: \"json\" or a JSON schema (the schema's text)");
  cmd->add_flag("--think", a->think, "Enable thinking");
  cmd->add_flag("--no-think", a->no_think, "Disable thinking");
  cmd->add_flag("--hide-thinking", a->hide_thinking, "Do not print the model's thinking");
  cmd->add_flag("--raw", a->raw, "Send PROMPT without the chat template");
  cmd->add_flag("--truncate", a->truncate, "Drop the oldest turns when the conversation outgrows the context");
  cmd->add_flag("--json", a->json, "Print one JSON object with text, ids, thinking, tool_calls and timings");
  cmd->add_flag("--verbose", a->verbose, "Print timings after each reply");
  return [a] { return Run(*a); };
}

}  // namespace hearth::cli
