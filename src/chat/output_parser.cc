// Streaming state machine over generated text (spec §5.2) and the Gemma tool-call argument
// syntax -> JSON converter (§5.3). Text that might be the start of a marker is held back until
// the next chunk decides, so the result does not depend on where chunks are cut.
#include "chat/output_parser.h"

#include <algorithm>
#include <array>

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kChannelOpen = "<|channel>";
constexpr std::string_view kChannelClose = "<channel|>";
constexpr std::string_view kCallOpen = "<|tool_call>";
constexpr std::string_view kCallClose = "<tool_call|>";
constexpr std::string_view kQuote = "<|\"|>";
constexpr int kMaxValueDepth = 64;

// Markers recognised in content: the first two change state, the rest are dropped.
constexpr std::array<std::string_view, 9> kContentMarkers = {
    kChannelOpen, kCallOpen, kChannelClose, kCallClose, "<turn|>", "<eos>", "<|tool_response>",
    "<tool_response|>", "<|turn>model\n"};
constexpr std::array<std::string_view, 5> kAfterCallNoise = {kCallClose, "<|tool_response>", "<tool_response|>",
                                                             "<turn|>", "<eos>"};
constexpr std::array<std::string_view, 5> kCallEnds = {kCallClose, "<|tool_response>", "<turn|>", "<eos>", kCallOpen};

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Length of the longest suffix of `s` that is a proper prefix of one of `markers`.
template <size_t N>
size_t PartialMarkerSuffix(std::string_view s, const std::array<std::string_view, N>& markers) {
  size_t best = 0;
  for (std::string_view m : markers) {
    for (size_t k = std::min(m.size() - 1, s.size()); k > best; --k) {
      if (s.substr(s.size() - k) == m.substr(0, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}

template <size_t N>
size_t FindFirst(std::string_view s, const std::array<std::string_view, N>& markers, std::string_view* which) {
  size_t best = std::string_view::npos;
  for (std::string_view m : markers) {
    const size_t p = s.find(m);
    if (p < best) {
      best = p;
      *which = m;
    }
  }
  return best;
}

size_t TrailingSpace(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsSpace(s[s.size() - 1 - n])) ++n;
  return n;
}

// Recursive-descent reader of Gemma values: <|"|>strings<|"|>, bare keys, JSON scalars.
class ValueReader {
 public:
  explicit ValueReader(std::string_view s) : s_(s) {}
  size_t pos() const { return p_; }

  Status Object(json& out, int depth) {
    if (depth > kMaxValueDepth) return Fail("nesting too deep");
    if (!Eat('{')) return Fail("expected '{'");
    out = json::object();
    SkipWs();
    if (Eat('}')) return Status::Ok();
    while (true) {
      SkipWs();
      std::string key;
      HEARTH_RETURN_IF_ERROR(Key(key));
      SkipWs();
      if (!Eat(':')) return Fail("expected ':' after key '" + key + "'");
      SkipWs();
      json v;
      HEARTH_RETURN_IF_ERROR(Value(v, depth + 1));
      out[key] = std::move(v);
      SkipWs();
      if (Eat(',')) continue;
      if (Eat('}')) return Status::Ok();
      return Fail("expected ',' or '}'");
    }
  }

 private:
  Status Fail(const std::string& what) const {
    return InvalidArgument("malformed tool call arguments at byte " + std::to_string(p_) + ": " + what);
  }
  bool Eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  void SkipWs() {
    while (p_ < s_.size() && IsSpace(s_[p_])) ++p_;
  }
  Status QuotedString(std::string& out) {
    p_ += kQuote.size();
    const size_t end = s_.find(kQuote, p_);
    if (end == std::string_view::npos) return Fail("unterminated <|\"|> string");
    out = std::string(s_.substr(p_, end - p_));
    p_ = end + kQuote.size();
    return Status::Ok();
  }
  Status Key(std::string& out) {
    if (s_.substr(p_, kQuote.size()) == kQuote) return QuotedString(out);
    if (Eat('"')) {
      const size_t end = s_.find('"', p_);
      if (end == std::string_view::npos) return Fail("unterminated key");
      out = std::string(s_.substr(p_, end - p_));
      p_ = end + 1;
      return Status::Ok();
    }
    const size_t start = p_;
    while (p_ < s_.size() && s_[p_] != ':' && s_[p_] != '}' && s_[p_] != ',' && s_[p_] != '{') ++p_;
    size_t end = p_;
    while (end > start && IsSpace(s_[end - 1])) --end;
    if (end == start) return Fail("empty key");
    out = std::string(s_.substr(start, end - start));
    return Status::Ok();
  }
  Status Value(json& out, int depth) {
    if (depth > kMaxValueDepth) return Fail("nesting too deep");
    if (p_ >= s_.size()) return Fail("missing value");
    if (s_.substr(p_, kQuote.size()) == kQuote) {
      std::string str;
      HEARTH_RETURN_IF_ERROR(QuotedString(str));
      out = std::move(str);
      return Status::Ok();
    }
    const char c = s_[p_];
    if (c == '{') return Object(out, depth);
    if (c == '[') {
      ++p_;
      out = json::array();
      SkipWs();
      if (Eat(']')) return Status::Ok();
      while (true) {
        SkipWs();
        json v;
        HEARTH_RETURN_IF_ERROR(Value(v, depth + 1));
        out.push_back(std::move(v));
        SkipWs();
        if (Eat(',')) continue;
        if (Eat(']')) return Status::Ok();
        return Fail("expected ',' or ']'");
      }
    }
    if (c == '\'') {  // repair: single-quoted string
      const size_t end = s_.find('\'', p_ + 1);
      if (end == std::string_view::npos) return Fail("unterminated string");
      out = std::string(s_.substr(p_ + 1, end - p_ - 1));
      p_ = end + 1;
      return Status::Ok();
    }
    const size_t start = p_;
    while (p_ < s_.size() && s_[p_] != ',' && s_[p_] != '}' && s_[p_] != ']' && !IsSpace(s_[p_])) ++p_;
    const std::string_view tok = s_.substr(start, p_ - start);
    if (tok.empty()) return Fail("missing value");
    if (tok == "true" || tok == "false" || tok == "null") {
      out = tok == "true" ? json(true) : tok == "false" ? json(false) : json(nullptr);
      return Status::Ok();
    }
    json num = json::parse(tok.begin(), tok.end(), nullptr, /*allow_exceptions=*/false);
    if (num.is_discarded() || !num.is_number()) return Fail("bad value '" + std::string(tok) + "'");
    out = std::move(num);
    return Status::Ok();
  }

  std::string_view s_;
  size_t p_ = 0;
};

}  // namespace

Result<ParsedToolCall> ParseGemmaToolCall(std::string_view body) {
  ParsedToolCall call;
  call.raw = std::string(body);
  size_t p = 0;
  while (p < body.size() && IsSpace(body[p])) ++p;
  if (body.substr(p, 5) != "call:") return InvalidArgument("tool call does not start with 'call:'");
  p += 5;
  const size_t brace = body.find('{', p);
  if (brace == std::string_view::npos) return InvalidArgument("tool call without '{' arguments");
  std::string_view name = body.substr(p, brace - p);
  while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
  if (name.empty()) return InvalidArgument("tool call without a name");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return InvalidArgument("invalid tool name '" + std::string(name) + "'");
    }
  }
  call.name = std::string(name);
  std::string_view args = body.substr(brace);
  ValueReader reader(args);
  Status st = reader.Object(call.arguments, 0);
  if (!st.ok()) {
    // Repair a missing final '}' (generation cut short): retry with closers appended.
    std::string fixed(args);
    bool repaired = false;
    for (int extra = 1; extra <= 3 && !repaired; ++extra) {
      fixed += '}';
      ValueReader again(fixed);
      json parsed;
      if (again.Object(parsed, 0).ok() && again.pos() == fixed.size()) {
        call.arguments = std::move(parsed);
        repaired = true;
      }
    }
    if (!repaired) return st.WithContext("tool call " + call.name);
    return call;
  }
  for (size_t q = reader.pos(); q < args.size(); ++q) {
    if (!IsSpace(args[q])) return InvalidArgument("tool call " + call.name + ": trailing text after arguments");
  }
  return call;
}

OutputParser::OutputParser(ParserOptions opts) : opts_(std::move(opts)) {
  if (!opts_.generation_prompt_suffix.empty()) {
    // The prompt's own markers only set the starting state; nothing of it is reported.
    ParseDelta ignored;
    buf_ = opts_.generation_prompt_suffix;
    Run(false, ignored);
  }
}

ParseDelta OutputParser::Push(std::string_view text_chunk) {
  ParseDelta d;
  if (finished_) return d;
  buf_.append(text_chunk);
  Run(false, d);
  return d;
}

ParseDelta OutputParser::Finish() {
  ParseDelta d;
  if (finished_) return d;
  Run(true, d);
  finished_ = true;
  buf_.clear();
  return d;
}

void OutputParser::Run(bool final, ParseDelta& d) {
  while (true) {
    bool progressed = false;
    switch (state_) {
      case State::kContent: progressed = StepContent(final, d); break;
      case State::kThoughtHeader: progressed = StepThoughtHeader(final); break;
      case State::kThought: progressed = StepThought(final, d); break;
      case State::kCall: progressed = StepCall(final, d); break;
      case State::kSkipCall: progressed = StepSkipCall(final); break;
      case State::kAfterCall: progressed = StepAfterCall(final); break;
    }
    if (!progressed) return;
  }
}

// Returns true when the state changed (the loop should run again).
bool OutputParser::StepContent(bool final, ParseDelta& d) {
  if (strip_leading_) {
    size_t n = 0;
    while (n < buf_.size() && IsSpace(buf_[n])) ++n;
    buf_.erase(0, n);
    if (buf_.empty()) return false;
  }
  std::string_view which;
  const size_t hit = FindFirst(buf_, kContentMarkers, &which);
  if (hit != std::string::npos) {
    std::string_view text = std::string_view(buf_).substr(0, hit);
    text.remove_suffix(TrailingSpace(text));
    if (!text.empty()) {
      d.content_delta.append(text);
      strip_leading_ = false;
    }
    buf_.erase(0, hit + which.size());
    if (which == kChannelOpen) {
      state_ = State::kThoughtHeader;
    } else if (which == kCallOpen) {
      state_ = State::kCall;
    } else if (which == kChannelClose) {
      strip_leading_ = true;  // a stray closer ends a (pre-filled) thought: trim what follows
    }
    return true;
  }
  std::string_view view = buf_;
  size_t hold = final ? 0 : PartialMarkerSuffix(view, kContentMarkers);
  std::string_view emit = view.substr(0, view.size() - hold);
  // Whitespace right before a marker is dropped, and trailing whitespace at the end is trimmed,
  // so it can only be emitted once non-space text follows.
  const size_t ws = TrailingSpace(emit);
  emit.remove_suffix(ws);
  if (!emit.empty()) {
    d.content_delta.append(emit);
    strip_leading_ = false;
  }
  buf_.erase(0, emit.size());
  if (final) buf_.clear();
  return false;
}

bool OutputParser::StepThoughtHeader(bool final) {
  constexpr std::string_view kName = "thought";
  if (!final) {
    // Undecided while the text could still become "thought" or "thought\n".
    if (buf_.size() <= kName.size() && kName.compare(0, buf_.size(), buf_) == 0) return false;
  }
  if (buf_.compare(0, kName.size(), kName) == 0) {
    buf_.erase(0, kName.size());
    if (!buf_.empty() && buf_[0] == '\n') buf_.erase(0, 1);
  }
  state_ = State::kThought;
  strip_leading_ = true;
  return true;
}

bool OutputParser::StepThought(bool final, ParseDelta& d) {
  auto emit_thinking = [&](std::string_view text) {
    if (strip_leading_) {
      size_t n = 0;
      while (n < text.size() && IsSpace(text[n])) ++n;
      text.remove_prefix(n);
    }
    if (text.empty()) return;
    strip_leading_ = false;
    if (opts_.return_thinking) d.thinking_delta.append(text);
  };
  const size_t hit = buf_.find(kChannelClose);
  if (hit != std::string::npos) {
    std::string_view text = std::string_view(buf_).substr(0, hit);
    text.remove_suffix(TrailingSpace(text));
    emit_thinking(text);
    buf_.erase(0, hit + kChannelClose.size());
    state_ = State::kContent;
    strip_leading_ = true;
    return true;
  }
  std::string_view view = buf_;
  const std::array<std::string_view, 1> close = {kChannelClose};
  const size_t hold = final ? 0 : PartialMarkerSuffix(view, close);
  std::string_view emit = view.substr(0, view.size() - hold);
  emit.remove_suffix(TrailingSpace(emit));
  const size_t before = emit.size();
  emit_thinking(emit);
  buf_.erase(0, before);
  if (final) buf_.clear();
  return false;
}

bool OutputParser::StepCall(bool final, ParseDelta& d) {
  std::string_view which;
  const size_t hit = FindFirst(buf_, kCallEnds, &which);
  // The body so far, not counting a closer that may be arriving: the limit must not depend on
  // how the text was chunked.
  const size_t body = hit != std::string::npos ? hit : buf_.size() - (final ? 0 : PartialMarkerSuffix(buf_, kCallEnds));
  if (body > opts_.max_call_bytes) {
    d.errors.push_back(InvalidArgument("tool call longer than " + std::to_string(opts_.max_call_bytes) + " bytes"));
    state_ = State::kSkipCall;  // drop the rest of the oversized call, never leak it as content
    return true;
  }
  if (hit == std::string::npos) {
    if (!final) return false;
    EmitCall(buf_, d);
    buf_.clear();
    state_ = State::kAfterCall;
    return false;
  }
  EmitCall(std::string_view(buf_).substr(0, hit), d);
  // Only our own closer is consumed; other enders are handled by the next state.
  buf_.erase(0, which == kCallClose ? hit + which.size() : hit);
  state_ = State::kAfterCall;
  return true;
}

bool OutputParser::StepSkipCall(bool final) {
  std::string_view which;
  const size_t hit = FindFirst(buf_, kCallEnds, &which);
  if (hit == std::string::npos) {
    // Keep only what may be the start of an ender.
    buf_.erase(0, buf_.size() - (final ? 0 : PartialMarkerSuffix(buf_, kCallEnds)));
    return false;
  }
  buf_.erase(0, which == kCallClose ? hit + which.size() : hit);
  state_ = State::kAfterCall;
  return true;
}

void OutputParser::EmitCall(std::string_view body, ParseDelta& d) {
  Result<ParsedToolCall> call = ParseGemmaToolCall(body);
  if (call.ok()) {
    d.tool_calls.push_back(std::move(call).value());
  } else {
    d.errors.push_back(call.error());
  }
}

bool OutputParser::StepAfterCall(bool final) {
  while (true) {
    size_t n = 0;
    while (n < buf_.size() && IsSpace(buf_[n])) ++n;
    buf_.erase(0, n);
    bool removed = false;
    for (std::string_view m : kAfterCallNoise) {
      if (buf_.compare(0, m.size(), m) == 0) {
        buf_.erase(0, m.size());
        removed = true;
        break;
      }
    }
    if (removed) continue;
    if (buf_.empty()) return false;
    if (!final) {
      for (std::string_view m : kAfterCallNoise) {
        if (buf_.size() < m.size() && m.compare(0, buf_.size(), buf_) == 0) return false;
      }
    }
    state_ = State::kContent;
    strip_leading_ = true;
    return true;
  }
}

}  // namespace hearth
