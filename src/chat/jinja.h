// Public entry point of the Jinja interpreter used for GGUF chat templates.
// A Template is immutable after Parse and may be rendered from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "chat/jinja_value.h"

namespace hearth::jinja {

struct Program;

// Bounds for rendering untrusted templates: a template that exceeds them fails with
// kResourceExhausted instead of exhausting memory or stack.
struct RenderLimits {
  size_t max_output_bytes = 8u << 20;   // also caps any single string built by the template
  int max_call_depth = 64;              // macro recursion
  uint64_t max_steps = 50'000'000;      // statements + loop iterations, against runaway loops
};

class Template {
 public:
  [[nodiscard]] static Result<Template> Parse(std::string_view source);
  // context: an object whose entries become global variables.
  [[nodiscard]] Result<std::string> Render(const Value& context, const RenderLimits& limits = {}) const;

 private:
  std::shared_ptr<const Program> program_;
};

}  // namespace hearth::jinja
