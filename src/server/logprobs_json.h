// The JSON shapes of per-token log-probabilities in the API responses (spec
// ollama-openai-api.md §1.3 `logprobs`, §2.1 `choices[].logprobs`, §2.2 /v1/completions).
// `token` is the token's text piece (control markers included) and `bytes` its UTF-8 bytes, so a
// client can rebuild text from tokens that split a character.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>

#include "sampling/logprobs.h"
#include "server/api_types.h"
#include "tokenizer/tokenizer.h"

namespace hearth::server {

// The text piece of a token id (Tokenizer::Piece with control markers rendered).
using TokenPieces = std::function<std::string_view(int32_t)>;
// The pieces of `tokenizer`, which must outlive the result.
TokenPieces RenderedPieces(const Tokenizer& tokenizer);

// [{token, logprob, bytes, top_logprobs:[{token, logprob, bytes}]}]: Ollama's `logprobs` array
// (/api/chat, /api/generate) and OpenAI chat's `logprobs.content`.
Json TokenLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces);

// OpenAI chat's `choices[].logprobs`: {content: [...], refusal: null}.
Json ChatLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces);

// OpenAI legacy completions' `choices[].logprobs`: {tokens, token_logprobs, top_logprobs:
// [{piece: logprob}], text_offset}. `text_offset` counts UTF-8 bytes of the choice's text from
// `*offset`, which is advanced past these tokens (so a stream's chunks continue the count).
Json CompletionLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces, size_t* offset);

}  // namespace hearth::server
