// JSON Schema -> JsonGrammar. Only structure is compiled; keywords that constrain values beyond
// what a byte-level matcher can check cheaply (pattern, minimum, format, ...) are ignored, as
// llama.cpp's and Ollama's schema converters do for most of them.
#include "sampling/json_schema.h"

#include <algorithm>
#include <map>

namespace hearth {
namespace {

using Json = nlohmann::ordered_json;
using Kind = JsonGrammar::Kind;

// Deeper schemas are refused: they come from requests, and compiling recurses.
constexpr int kMaxSchemaDepth = 64;

class Compiler {
 public:
  explicit Compiler(const Json& root) : root_(root) {}

  Result<int32_t> Compile(const Json& schema, const std::string& path, int depth);
  // Any JSON object: the target of "json" and of `{"type": "object"}`.
  int32_t AnyObject();
  // Fails when an anyOf chain leads back to itself without consuming input (e.g. `{"$ref":"#"}`
  // at the root), which the matcher could otherwise expand forever.
  Status CheckNoEmptyCycles() const;

  JsonGrammar grammar;

 private:
  int32_t Add(JsonGrammar::Node node) {
    grammar.nodes.push_back(std::move(node));
    return static_cast<int32_t>(grammar.nodes.size() - 1);
  }
  int32_t Literals(std::vector<std::string> texts) {
    JsonGrammar::Node n;
    n.kind = Kind::kLiteral;
    n.literals = std::move(texts);
    return Add(std::move(n));
  }
  int32_t AnyValue();
  Result<int32_t> CompileTyped(const Json& schema, const std::string& type, const std::string& path, int depth);
  Result<int32_t> CompileObject(const Json& schema, const std::string& path, int depth);
  Result<int32_t> CompileArray(const Json& schema, const std::string& path, int depth);
  Result<int32_t> CompileRef(const std::string& ref, const std::string& path, int depth);
  Result<const Json*> Resolve(const std::string& ref, const std::string& path) const;
  Result<Json> MergeAllOf(const Json& all, const std::string& path) const;

  const Json& root_;
  std::map<std::string, int32_t> refs_;
  int32_t any_value_ = -1, any_object_ = -1;
};

Status Invalid(const std::string& path, const std::string& what) {
  return InvalidArgument("invalid JSON schema at " + path + ": " + what);
}

// A non-negative integer keyword, or `fallback` when absent.
Result<int64_t> Count(const Json& schema, const char* key, const std::string& path, int64_t fallback) {
  auto it = schema.find(key);
  if (it == schema.end()) return fallback;
  if (it->is_number_unsigned()) return static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX));
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (v >= 0 && v == static_cast<double>(static_cast<int64_t>(v))) return static_cast<int64_t>(v);
  }
  return Invalid(path, std::string(key) + " must be a non-negative integer");
}

int32_t Compiler::AnyValue() {
  if (any_value_ >= 0) return any_value_;
  any_value_ = Add({});  // reserved first: objects and arrays below refer back to it
  JsonGrammar::Node array;
  array.kind = Kind::kArray;
  array.items = any_value_;
  JsonGrammar::Node string;
  string.kind = Kind::kString;
  JsonGrammar::Node number;
  number.kind = Kind::kNumber;
  const int32_t alts[] = {AnyObject(), Add(std::move(array)), Add(std::move(string)), Add(std::move(number)),
                          Literals({"true", "false", "null"})};
  grammar.nodes[any_value_].alternatives.assign(std::begin(alts), std::end(alts));
  return any_value_;
}

int32_t Compiler::AnyObject() {
  if (any_object_ >= 0) return any_object_;
  JsonGrammar::Node n;
  n.kind = Kind::kObject;
  any_object_ = Add(std::move(n));
  const int32_t value = AnyValue();
  grammar.nodes[any_object_].additional = value;
  return any_object_;
}

Result<const Json*> Compiler::Resolve(const std::string& ref, const std::string& path) const {
  if (ref.empty() || ref[0] != '#') return Invalid(path, "$ref \"" + ref + "\": only local references (#/...) are supported");
  const Json* node = &root_;
  size_t pos = 1;
  while (pos < ref.size()) {
    if (ref[pos] != '/') return Invalid(path, "$ref \"" + ref + "\" is not a JSON pointer");
    const size_t end = std::min(ref.find('/', pos + 1), ref.size());
    std::string token;
    for (size_t i = pos + 1; i < end; ++i) {
      if (ref[i] == '~' && i + 1 < end && (ref[i + 1] == '0' || ref[i + 1] == '1')) {
        token += ref[++i] == '0' ? '~' : '/';
      } else {
        token += ref[i];
      }
    }
    if (!node->is_object() || !node->contains(token)) return Invalid(path, "$ref \"" + ref + "\" not found");
    node = &(*node)[token];
    pos = end;
  }
  return node;
}

Result<int32_t> Compiler::CompileRef(const std::string& ref, const std::string& path, int depth) {
  if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
  HEARTH_ASSIGN_OR_RETURN(const Json* target, Resolve(ref, path));
  // Reserved before compiling the target so recursive schemas (trees, linked lists) point back
  // to it instead of recursing forever.
  const int32_t slot = Add({});
  refs_[ref] = slot;
  HEARTH_ASSIGN_OR_RETURN(int32_t compiled, Compile(*target, ref, depth + 1));
  grammar.nodes[slot].alternatives = {compiled};
  return slot;
}

// allOf of object schemas becomes one object with every member's properties and requirements
// (pydantic and zod emit allOf around a single $ref, or to extend a base object).
Result<Json> Compiler::MergeAllOf(const Json& all, const std::string& path) const {
  if (!all.is_array() || all.empty()) return Invalid(path, "allOf must be a non-empty array");
  if (all.size() == 1) return all[0];
  Json merged = {{"type", "object"}, {"properties", Json::object()}, {"required", Json::array()}};
  for (const Json& member : all) {
    const Json* m = &member;
    if (m->is_object() && m->contains("$ref") && (*m)["$ref"].is_string()) {
      HEARTH_ASSIGN_OR_RETURN(m, Resolve((*m)["$ref"].get<std::string>(), path));
    }
    if (!m->is_object() || !m->contains("properties")) {
      return Invalid(path, "allOf is supported only for object schemas with properties");
    }
    const Json& props = (*m)["properties"];
    if (!props.is_object()) return Invalid(path, "properties must be an object");
    for (auto it = props.begin(); it != props.end(); ++it) merged["properties"][it.key()] = it.value();
    if (auto r = m->find("required"); r != m->end() && r->is_array()) {
      for (const Json& name : *r) merged["required"].push_back(name);
    }
    if (auto a = m->find("additionalProperties"); a != m->end()) merged["additionalProperties"] = *a;
  }
  return merged;
}

Result<int32_t> Compiler::Compile(const Json& schema, const std::string& path, int depth) {
  if (depth > kMaxSchemaDepth) return Invalid(path, "nested too deeply");
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return AnyValue();
    return Invalid(path, "the schema false allows no value");
  }
  if (!schema.is_object()) return Invalid(path, "a schema must be an object or a boolean");

  if (auto n = schema.find("nullable"); n != schema.end()) {
    if (!n->is_boolean()) return Invalid(path, "nullable must be true or false");
    if (n->get<bool>()) {
      Json inner = schema;
      inner.erase("nullable");
      HEARTH_ASSIGN_OR_RETURN(int32_t value, Compile(inner, path, depth + 1));
      JsonGrammar::Node either;
      either.alternatives = {value, Literals({"null"})};
      return Add(std::move(either));
    }
  }
  if (auto r = schema.find("$ref"); r != schema.end()) {
    if (!r->is_string()) return Invalid(path, "$ref must be a string");
    return CompileRef(r->get<std::string>(), path, depth);
  }
  if (auto c = schema.find("const"); c != schema.end()) return Literals({c->dump()});
  if (auto e = schema.find("enum"); e != schema.end()) {
    if (!e->is_array() || e->empty()) return Invalid(path, "enum must be a non-empty array");
    std::vector<std::string> texts;
    for (const Json& v : *e) texts.push_back(v.dump());
    return Literals(std::move(texts));
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto it = schema.find(key);
    if (it == schema.end()) continue;
    if (!it->is_array() || it->empty()) return Invalid(path, std::string(key) + " must be a non-empty array");
    JsonGrammar::Node either;
    for (size_t i = 0; i < it->size(); ++i) {
      HEARTH_ASSIGN_OR_RETURN(int32_t alt,
                              Compile((*it)[i], path + "/" + key + "/" + std::to_string(i), depth + 1));
      either.alternatives.push_back(alt);
    }
    return Add(std::move(either));
  }
  if (auto a = schema.find("allOf"); a != schema.end()) {
    HEARTH_ASSIGN_OR_RETURN(Json merged, MergeAllOf(*a, path + "/allOf"));
    return Compile(merged, path + "/allOf", depth + 1);
  }

  auto type = schema.find("type");
  if (type == schema.end()) {
    // Untyped: infer from the structural keywords, else any value.
    if (schema.contains("properties") || schema.contains("additionalProperties")) {
      return CompileTyped(schema, "object", path, depth);
    }
    if (schema.contains("items")) return CompileTyped(schema, "array", path, depth);
    return AnyValue();
  }
  if (type->is_string()) return CompileTyped(schema, type->get<std::string>(), path, depth);
  if (!type->is_array() || type->empty()) return Invalid(path, "type must be a string or a non-empty array of strings");
  JsonGrammar::Node either;
  for (const Json& t : *type) {
    if (!t.is_string()) return Invalid(path, "type must be a string or a non-empty array of strings");
    HEARTH_ASSIGN_OR_RETURN(int32_t alt, CompileTyped(schema, t.get<std::string>(), path, depth));
    either.alternatives.push_back(alt);
  }
  return Add(std::move(either));
}

Result<int32_t> Compiler::CompileTyped(const Json& schema, const std::string& type, const std::string& path,
                                       int depth) {
  if (type == "object") return CompileObject(schema, path, depth);
  if (type == "array") return CompileArray(schema, path, depth);
  if (type == "boolean") return Literals({"true", "false"});
  if (type == "null") return Literals({"null"});
  JsonGrammar::Node n;
  if (type == "number" || type == "integer") {
    n.kind = type == "number" ? Kind::kNumber : Kind::kInteger;
    return Add(std::move(n));
  }
  if (type != "string") {
    return Invalid(path, "unknown type \"" + type + "\" (object, array, string, number, integer, boolean, null)");
  }
  n.kind = Kind::kString;
  HEARTH_ASSIGN_OR_RETURN(n.min, Count(schema, "minLength", path, 0));
  HEARTH_ASSIGN_OR_RETURN(n.max, Count(schema, "maxLength", path, -1));
  if (n.max >= 0 && n.min > n.max) return Invalid(path, "minLength is greater than maxLength");
  return Add(std::move(n));
}

Result<int32_t> Compiler::CompileObject(const Json& schema, const std::string& path, int depth) {
  std::vector<std::string> required;
  if (auto r = schema.find("required"); r != schema.end()) {
    if (!r->is_array()) return Invalid(path, "required must be an array of strings");
    for (const Json& name : *r) {
      if (!name.is_string()) return Invalid(path, "required must be an array of strings");
      required.push_back(name.get<std::string>());
    }
  }
  auto props = schema.find("properties");
  auto extra = schema.find("additionalProperties");
  if (props == schema.end() && (extra == schema.end() || (extra->is_boolean() && extra->get<bool>()))) {
    return AnyObject();
  }
  JsonGrammar::Node n;
  n.kind = Kind::kObject;
  if (props != schema.end()) {
    if (!props->is_object()) return Invalid(path, "properties must be an object");
    for (auto it = props->begin(); it != props->end(); ++it) {
      JsonGrammar::Property p;
      p.key_rest = Json(it.key()).dump().substr(1);
      p.required = std::find(required.begin(), required.end(), it.key()) != required.end();
      HEARTH_ASSIGN_OR_RETURN(p.value, Compile(it.value(), path + "/properties/" + it.key(), depth + 1));
      n.properties.push_back(std::move(p));
    }
  }
  if (extra != schema.end()) {
    if (extra->is_object() || (extra->is_boolean() && extra->get<bool>())) {
      HEARTH_ASSIGN_OR_RETURN(n.additional, Compile(*extra, path + "/additionalProperties", depth + 1));
    } else if (!extra->is_boolean()) {
      return Invalid(path, "additionalProperties must be a boolean or a schema");
    }
  }
  return Add(std::move(n));
}

Result<int32_t> Compiler::CompileArray(const Json& schema, const std::string& path, int depth) {
  JsonGrammar::Node n;
  n.kind = Kind::kArray;
  auto items = schema.find("items");
  if (items == schema.end()) {
    n.items = AnyValue();
  } else if (items->is_object() || items->is_boolean()) {
    HEARTH_ASSIGN_OR_RETURN(n.items, Compile(*items, path + "/items", depth + 1));
  } else {
    return Invalid(path, "items must be a schema object");
  }
  HEARTH_ASSIGN_OR_RETURN(n.min, Count(schema, "minItems", path, 0));
  HEARTH_ASSIGN_OR_RETURN(n.max, Count(schema, "maxItems", path, -1));
  if (n.max >= 0 && n.min > n.max) return Invalid(path, "minItems is greater than maxItems");
  return Add(std::move(n));
}

Status Compiler::CheckNoEmptyCycles() const {
  // Colours for a depth-first search over anyOf edges only: 0 unseen, 1 on the path, 2 done.
  std::vector<uint8_t> colour(grammar.nodes.size(), 0);
  std::vector<std::pair<int32_t, size_t>> path;
  for (size_t start = 0; start < grammar.nodes.size(); ++start) {
    if (colour[start] != 0) continue;
    path.push_back({static_cast<int32_t>(start), 0});
    colour[start] = 1;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      const JsonGrammar::Node& n = grammar.nodes[node];
      if (n.kind != Kind::kAnyOf || next == n.alternatives.size()) {
        colour[node] = 2;
        path.pop_back();
        continue;
      }
      const int32_t alt = n.alternatives[next++];
      if (colour[alt] == 1) return InvalidArgument("invalid JSON schema: a $ref refers to itself without a value");
      if (colour[alt] == 0) {
        colour[alt] = 1;
        path.push_back({alt, 0});
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const JsonGrammar>> CompileJsonFormat(const nlohmann::ordered_json& format) {
  Compiler c(format);
  if (format.is_string()) {
    if (format.get<std::string>() != "json") {
      return InvalidArgument("invalid format \"" + format.get<std::string>() + "\": expected \"json\" or a JSON schema");
    }
    c.grammar.root = c.AnyObject();
  } else if (format.is_object()) {
    HEARTH_ASSIGN_OR_RETURN(c.grammar.root, c.Compile(format, "#", 0));
    HEARTH_RETURN_IF_ERROR(c.CheckNoEmptyCycles());
  } else {
    return InvalidArgument("format must be \"json\" or a JSON schema object");
  }
  return std::make_shared<const JsonGrammar>(std::move(c.grammar));
}

}  // namespace hearth
