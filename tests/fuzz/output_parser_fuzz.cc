// libFuzzer target: OutputParser on arbitrary generated text pushed in arbitrary chunks. Checks
// the parser's promise that output does not depend on chunking: every input is parsed twice,
// whole and in fuzzer-chosen pieces, and the concatenated deltas must match.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "chat/output_parser.h"
#include "fuzz_util.h"

namespace {

struct Collected {
  std::string thinking;
  std::string content;
  std::vector<std::string> calls;   // name + arguments dump + raw
  std::vector<std::string> errors;  // Status::ToString
};

void Add(const hearth::ParseDelta& d, Collected& out) {
  out.thinking += d.thinking_delta;
  out.content += d.content_delta;
  for (const hearth::ParsedToolCall& c : d.tool_calls) {
    HEARTH_FUZZ_CHECK(c.arguments.is_object(), "tool-call arguments must be an object");
    out.calls.push_back(c.name + "\x1f" + c.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                        "\x1f" + c.raw);
  }
  for (const hearth::Status& s : d.errors) out.errors.push_back(s.ToString());
}

Collected Parse(const hearth::ParserOptions& opts, std::string_view text, const std::vector<size_t>& cuts) {
  hearth::OutputParser parser(opts);
  Collected out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (cut > text.size() - pos) break;
    Add(parser.Push(text.substr(pos, cut)), out);
    pos += cut;
  }
  Add(parser.Push(text.substr(pos)), out);
  Add(parser.Finish(), out);
  // Calls after Finish must be harmless.
  (void)parser.Push("tail");
  (void)parser.Finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  hearth::ParserOptions opts;
  opts.return_thinking = fdp.ConsumeBool();
  switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: break;
    case 1: opts.generation_prompt_suffix = "<|turn>model\n<|channel>thought\n<channel|>"; break;
    case 2: opts.generation_prompt_suffix = "<|channel>thought\n"; break;
    default: opts.generation_prompt_suffix = fdp.ConsumeRandomLengthString(64); break;
  }
  // A tiny call limit exercises the oversized-call path, which must not depend on chunking either.
  if (fdp.ConsumeBool()) opts.max_call_bytes = fdp.ConsumeIntegralInRange<size_t>(0, 256);
  const std::string text = fdp.ConsumeRandomLengthString(1 << 16);
  // Remaining bytes are chunk lengths (0..31, zero-length pushes included).
  std::vector<size_t> cuts;
  while (fdp.remaining_bytes() > 0) cuts.push_back(fdp.ConsumeIntegral<uint8_t>() % 32);

  const Collected whole = Parse(opts, text, {});
  const Collected chunked = Parse(opts, text, cuts);
  HEARTH_FUZZ_CHECK(whole.thinking == chunked.thinking, "thinking depends on chunking");
  HEARTH_FUZZ_CHECK(whole.content == chunked.content, "content depends on chunking");
  HEARTH_FUZZ_CHECK(whole.calls == chunked.calls, "tool calls depend on chunking");
  HEARTH_FUZZ_CHECK(whole.errors.size() == chunked.errors.size(), "errors depend on chunking");
  // Byte-at-a-time, the worst case for held-back markers.
  if (text.size() <= 4096) {
    const Collected bytewise = Parse(opts, text, std::vector<size_t>(text.size(), 1));
    HEARTH_FUZZ_CHECK(whole.content == bytewise.content && whole.thinking == bytewise.thinking &&
                          whole.calls == bytewise.calls,
                      "byte-at-a-time output differs");
  }
  return 0;
}
