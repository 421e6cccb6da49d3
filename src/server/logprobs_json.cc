#include "server/logprobs_json.h"

#include <string>

namespace hearth::server {
namespace {

Json BytesJson(std::string_view piece) {
  Json bytes = Json::array();
  for (char c : piece) bytes.push_back(static_cast<unsigned char>(c));
  return bytes;
}

Json EntryJson(const TokenLogprob& t, const TokenPieces& pieces) {
  const std::string_view piece = pieces(t.id);
  return {{"token", std::string(piece)}, {"logprob", t.logprob}, {"bytes", BytesJson(piece)}};
}

}  // namespace

TokenPieces RenderedPieces(const Tokenizer& tokenizer) {
  return [&tokenizer](int32_t id) { return tokenizer.Piece(id, /*render_special=*/true); };
}

Json TokenLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces) {
  Json out = Json::array();
  for (const StepLogprobs& step : steps) {
    Json entry = EntryJson(step.chosen, pieces);
    Json top = Json::array();
    for (const TokenLogprob& t : step.top) top.push_back(EntryJson(t, pieces));
    entry["top_logprobs"] = std::move(top);
    out.push_back(std::move(entry));
  }
  return out;
}

Json ChatLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces) {
  return {{"content", TokenLogprobsJson(steps, pieces)}, {"refusal", nullptr}};
}

Json CompletionLogprobsJson(std::span<const StepLogprobs> steps, const TokenPieces& pieces, size_t* offset) {
  Json tokens = Json::array(), token_logprobs = Json::array(), top_logprobs = Json::array(),
       text_offset = Json::array();
  for (const StepLogprobs& step : steps) {
    const std::string_view piece = pieces(step.chosen.id);
    tokens.push_back(std::string(piece));
    token_logprobs.push_back(step.chosen.logprob);
    Json top = Json::object();
    for (const TokenLogprob& t : step.top) top[std::string(pieces(t.id))] = t.logprob;
    top_logprobs.push_back(std::move(top));
    text_offset.push_back(*offset);
    *offset += piece.size();
  }
  return {{"tokens", std::move(tokens)},
          {"token_logprobs", std::move(token_logprobs)},
          {"top_logprobs", std::move(top_logprobs)},
          {"text_offset", std::move(text_offset)}};
}

}  // namespace hearth::server
