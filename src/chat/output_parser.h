// Splits Gemma 4 generated text into thinking, visible content and tool calls, incrementally.
// Spec: /work/shared/spec/gemma4-chat-format.md §5. Works on decoded text (the channel and
// tool-call markers are user-defined tokens and always decode to their text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hearth {

struct ParsedToolCall {
  std::string name;
  nlohmann::ordered_json arguments;  // always an object
  std::string raw;                   // text between <|tool_call> and <tool_call|>
};

struct ParseDelta {
  std::string thinking_delta;
  std::string content_delta;
  std::vector<ParsedToolCall> tool_calls;  // calls completed by this chunk
  std::vector<Status> errors;              // malformed calls seen in this chunk (text dropped)
  bool empty() const { return thinking_delta.empty() && content_delta.empty() && tool_calls.empty() && errors.empty(); }
};

struct ParserOptions {
  // Return reasoning as thinking_delta; when false it is parsed and discarded (Ollama).
  bool return_thinking = true;
  // The end of the rendered prompt (e.g. "<|turn>model\n<|channel>thought\n<channel|>" or an
  // open "<|channel>thought\n"); fed through the parser first so a pre-filled channel is seen.
  std::string generation_prompt_suffix;
  // Longest tool-call body accepted before it is reported as malformed.
  size_t max_call_bytes = 1u << 20;
};

// Not thread-safe; one per generation stream. Output is identical however the text is chunked.
class OutputParser {
 public:
  explicit OutputParser(ParserOptions opts);
  ParseDelta Push(std::string_view text_chunk);
  // End of generation: flushes held-back text, closes an unterminated thought, and tries to
  // parse an unterminated tool call.
  ParseDelta Finish();

 private:
  enum class State { kContent, kThoughtHeader, kThought, kCall, kSkipCall, kAfterCall };
  void Run(bool final, ParseDelta& d);
  bool StepContent(bool final, ParseDelta& d);
  bool StepThoughtHeader(bool final);
  bool StepThought(bool final, ParseDelta& d);
  bool StepCall(bool final, ParseDelta& d);
  bool StepSkipCall(bool final);
  bool StepAfterCall(bool final);
  void EmitCall(std::string_view body, ParseDelta& d);

  ParserOptions opts_;
  State state_ = State::kContent;
  std::string buf_;              // unconsumed text
  bool strip_leading_ = true;    // drop whitespace at the start of the next content/thought
  bool finished_ = false;
};

// Parses the body of one call, `call:NAME{...}`, into name + JSON arguments.
[[nodiscard]] Result<ParsedToolCall> ParseGemmaToolCall(std::string_view body);

}  // namespace hearth
