// ResponseBuilder: output items and stream events of one /v1/responses turn.
#include "server/response_builder.h"

#include <utility>

#include "server/http_util.h"

namespace hearth::server {

void ResponseBuilder::Open(const SendEvent& send) {
  Emit(send, {{"type", "response.created"}, {"response", response_}});
  Emit(send, {{"type", "response.in_progress"}, {"response", response_}});
}

void ResponseBuilder::Delta(const ParseDelta& d, const SendEvent& send) {
  if (!d.thinking_delta.empty()) AppendText(Kind::kReasoning, d.thinking_delta, send);
  if (!d.content_delta.empty()) AppendText(Kind::kMessage, d.content_delta, send);
  for (const ParsedToolCall& call : d.tool_calls) AddFunctionCall(call, send);
}

const Json& ResponseBuilder::Finish(const TurnResult& r, const SendEvent& send) {
  // A turn with neither text nor calls still answers with an (empty) message.
  if (!answered_) AppendText(Kind::kMessage, "", send);
  CloseItem(send);
  const bool cut = r.done_reason == "length";
  response_["status"] = cut ? "incomplete" : "completed";
  response_["incomplete_details"] = cut ? Json{{"reason", "max_output_tokens"}} : Json();
  response_["usage"] = {{"input_tokens", r.stats.prompt_tokens},
                        {"input_tokens_details", {{"cached_tokens", r.stats.prompt_reused}}},
                        {"output_tokens", r.stats.eval_count},
                        {"output_tokens_details", {{"reasoning_tokens", 0}}},
                        {"total_tokens", r.stats.prompt_tokens + r.stats.eval_count}};
  Emit(send, {{"type", "response.completed"}, {"response", response_}});
  return response_;
}

void ResponseBuilder::Fail(const std::string& message, const SendEvent& send) {
  response_["status"] = "failed";
  response_["error"] = {{"code", "server_error"}, {"message", message}};
  Emit(send, {{"type", "response.failed"}, {"response", response_}});
}

void ResponseBuilder::Emit(const SendEvent& send, Json event) {
  event["sequence_number"] = sequence_++;
  send(event);
}

Json ResponseBuilder::At(const char* type) const {
  return {{"type", type}, {"item_id", item_["id"]}, {"output_index", response_["output"].size()}};
}

Json ResponseBuilder::Part() const {
  if (open_ == Kind::kReasoning) return {{"type", "summary_text"}, {"text", text_}};
  return {{"type", "output_text"}, {"text", text_}, {"annotations", Json::array()}, {"logprobs", Json::array()}};
}

void ResponseBuilder::AppendText(Kind kind, const std::string& delta, const SendEvent& send) {
  if (kind == Kind::kMessage) answered_ = true;
  if (open_ != kind) {
    CloseItem(send);
    open_ = kind;
    text_.clear();
    if (kind == Kind::kReasoning) {
      OpenItem({{"id", RandomId("rs_", 24)}, {"type", "reasoning"}, {"summary", Json::array()}}, send);
    } else {
      OpenItem({{"id", RandomId("msg_", 24)}, {"type", "message"}, {"status", "in_progress"},
                {"role", "assistant"}, {"content", Json::array()}},
               send);
    }
    Json added = At(kind == Kind::kReasoning ? "response.reasoning_summary_part.added" : "response.content_part.added");
    added[kind == Kind::kReasoning ? "summary_index" : "content_index"] = 0;
    added["part"] = Part();
    Emit(send, std::move(added));
  }
  text_ += delta;
  if (delta.empty()) return;
  Json event;
  if (kind == Kind::kReasoning) {
    event = At("response.reasoning_summary_text.delta");
    event["summary_index"] = 0;
  } else {
    event = At("response.output_text.delta");
    event["content_index"] = 0;
    event["logprobs"] = Json::array();
  }
  event["delta"] = delta;
  Emit(send, std::move(event));
}

void ResponseBuilder::CloseItem(const SendEvent& send) {
  if (open_ == Kind::kNone) return;
  const bool reasoning = open_ == Kind::kReasoning;
  const char* index_key = reasoning ? "summary_index" : "content_index";
  Json text_done = At(reasoning ? "response.reasoning_summary_text.done" : "response.output_text.done");
  text_done[index_key] = 0;
  text_done["text"] = text_;
  if (!reasoning) text_done["logprobs"] = Json::array();
  Emit(send, std::move(text_done));
  Json part_done = At(reasoning ? "response.reasoning_summary_part.done" : "response.content_part.done");
  part_done[index_key] = 0;
  part_done["part"] = Part();
  Emit(send, std::move(part_done));
  if (reasoning) {
    item_["summary"] = Json::array({Part()});
  } else {
    item_["status"] = "completed";
    item_["content"] = Json::array({Part()});
  }
  FinishItem(send);
  open_ = Kind::kNone;
}

void ResponseBuilder::AddFunctionCall(const ParsedToolCall& call, const SendEvent& send) {
  answered_ = true;
  CloseItem(send);
  const std::string arguments = Dump(call.arguments);
  OpenItem({{"id", RandomId("fc_", 24)}, {"type", "function_call"}, {"status", "in_progress"},
            {"call_id", RandomId("call_", 8)}, {"name", call.name}, {"arguments", ""}},
           send);
  Json delta = At("response.function_call_arguments.delta");
  delta["delta"] = arguments;
  Emit(send, std::move(delta));
  Json done = At("response.function_call_arguments.done");
  done["name"] = call.name;
  done["arguments"] = arguments;
  Emit(send, std::move(done));
  item_["status"] = "completed";
  item_["arguments"] = arguments;
  FinishItem(send);
}

void ResponseBuilder::OpenItem(Json item, const SendEvent& send) {
  item_ = std::move(item);
  Emit(send, {{"type", "response.output_item.added"}, {"output_index", response_["output"].size()}, {"item", item_}});
}

void ResponseBuilder::FinishItem(const SendEvent& send) {
  Emit(send, {{"type", "response.output_item.done"}, {"output_index", response_["output"].size()}, {"item", item_}});
  response_["output"].push_back(std::move(item_));
  item_ = Json();
}

}  // namespace hearth::server
