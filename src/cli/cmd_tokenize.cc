// `hearth tokenize`: token ids of a text under a GGUF's tokenizer (a vocab-only GGUF is enough).
// No BOS is added, matching llama.cpp's tokenize(text, special) that the tests compare with.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

struct TokenizeArgs {
  std::string model, file, text;
  bool special = false, json = false;
};

int Run(const TokenizeArgs& a) {
  std::string text = a.text;
  if (!a.file.empty()) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return Fail(NotFound(a.file + ": cannot open"));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  Result<GgufFile> file = GgufFile::Open(a.model);
  if (!file) return Fail(file.error());
  Result<Tokenizer> tok = Tokenizer::FromGguf(*file);
  if (!tok) return Fail(tok.error().WithContext(a.model));
  Result<std::vector<int32_t>> ids = tok->Encode(text, a.special);
  if (!ids) return Fail(ids.error());
  if (a.json) {
    std::printf("%s\n", nlohmann::json(*ids).dump().c_str());
    return 0;
  }
  std::string line;
  for (size_t i = 0; i < ids->size(); ++i) line += (i ? " " : "") + std::to_string((*ids)[i]);
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

RunFn AddTokenizeCommand(CLI::App& app) {
  auto a = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids of a text");
  cmd->add_option("--model", a->model, "GGUF file (model or vocab-only)")->required();
  cmd->add_flag("--special", a->special, "Parse control-token strings such as <|turn> as special tokens");
  auto* file = cmd->add_option("--file", a->file, "Read the text from this file");
  cmd->add_option("text", a->text, "Text to tokenize")->excludes(file);
  cmd->add_flag("--json", a->json, "Print a JSON array");
  return [a] { return Run(*a); };
}

}  // namespace hearth::cli
