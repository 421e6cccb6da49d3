// JsonGrammar: the shape a constrained answer must take, compiled from Ollama's `format` field
// ("json" or a JSON Schema object). The grammar is a small graph of value nodes that
// json_matcher.h walks byte by byte; compiling once per request keeps the per-token work to
// following pointers.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace hearth {

struct JsonGrammar {
  enum class Kind : uint8_t {
    kObject,   // '{' properties '}'
    kArray,    // '[' items ']'
    kString,   // '"' ... '"'
    kNumber,   // JSON number, bounded digit counts
    kInteger,  // -?(0|[1-9][0-9]*), bounded digit count
    kLiteral,  // one of `literals`, byte for byte (enum, const, true/false/null)
    kAnyOf,    // one of `alternatives` (anyOf, oneOf, type arrays, nullable, $ref targets)
  };
  struct Property {
    std::string key_rest;  // the key as JSON after its opening quote, closing quote included
    int32_t value = -1;    // node of the value
    bool required = false;
  };
  struct Node {
    Kind kind = Kind::kAnyOf;
    // kObject: declared properties in output order (as listed in `properties`; an optional one
    // may be skipped). `additional`: node of values under other keys, which may follow the
    // declared ones; -1 = no other keys.
    std::vector<Property> properties;
    int32_t additional = -1;
    int32_t items = -1;  // kArray: node of every item
    // kArray: item count; kString: code points. max < 0 = unbounded.
    int64_t min = 0, max = -1;
    std::vector<std::string> literals;  // kLiteral: compact JSON texts
    std::vector<int32_t> alternatives;  // kAnyOf
  };

  std::vector<Node> nodes;
  int32_t root = -1;
};

// `format` as Ollama accepts it: the string "json" (any JSON object, like Ollama's json mode) or
// a JSON Schema object. Supported keywords: type (incl. arrays of types), properties, required,
// additionalProperties, items, minItems, maxItems, minLength, maxLength, enum, const,
// anyOf, oneOf, allOf (of object schemas), $ref to local pointers (#, #/$defs/..,
// #/definitions/..), $defs, nullable. Other keywords (description, title, format, pattern,
// minimum, ...) are ignored. When `properties` is given, other keys are allowed only through
// additionalProperties (true or a schema), as in llama.cpp's and Ollama's schema grammars.
// InvalidArgument naming the place for a malformed or unsatisfiable schema.
Result<std::shared_ptr<const JsonGrammar>> CompileJsonFormat(const nlohmann::ordered_json& format);

}  // namespace hearth
