// The `response` object of POST /v1/responses and its stream events (spec ollama-openai-api.md
// §2.2: response.created, response.in_progress, response.output_item.added/done,
// response.content_part.added/done, response.output_text.delta/done,
// response.reasoning_summary_text.delta/done, response.function_call_arguments.delta/done,
// response.completed, response.failed), built from a turn's parsed chunks.
#pragma once

#include <cstdint>
#include <string>

#include "chat/output_parser.h"
#include "server/engine.h"
#include "server/openai_common.h"

namespace hearth::server {

// Builds one response's output items (reasoning, message, function_call) from a turn's chunks
// and reports each step as an event through `send` (a no-op for a non-streamed response). Items
// open as their kind of text starts and close when another kind starts or the turn ends; tool
// calls arrive whole and open and close at once. Every event carries `sequence_number`. Not
// thread-safe: one per request, used on its HTTP thread.
class ResponseBuilder {
 public:
  // `response`: the object before generation (status in_progress, output empty).
  explicit ResponseBuilder(Json response) : response_(std::move(response)) {}

  // response.created and response.in_progress.
  void Open(const SendEvent& send);
  void Delta(const ParseDelta& d, const SendEvent& send);
  // Closes the open item, sets status (incomplete when cut by max_output_tokens) and usage, sends
  // response.completed and returns the response.
  const Json& Finish(const TurnResult& r, const SendEvent& send);
  // response.failed with `message` as the error.
  void Fail(const std::string& message, const SendEvent& send);

 private:
  enum class Kind { kNone, kReasoning, kMessage };

  void Emit(const SendEvent& send, Json event);
  // An event of `type` located on the open item (item_id, output_index).
  Json At(const char* type) const;
  // The open item's part so far: summary_text (reasoning) or output_text (message).
  Json Part() const;
  void AppendText(Kind kind, const std::string& delta, const SendEvent& send);
  void CloseItem(const SendEvent& send);
  void AddFunctionCall(const ParsedToolCall& call, const SendEvent& send);
  // The current output item: made current and announced (output_item.added) / finished.
  void OpenItem(Json item, const SendEvent& send);
  void FinishItem(const SendEvent& send);

  Json response_;
  Kind open_ = Kind::kNone;
  Json item_;              // the item being built (not yet in response_["output"])
  std::string text_;       // the open item's text so far
  bool answered_ = false;  // a message or a function call was produced
  int64_t sequence_ = 0;
};

}  // namespace hearth::server
