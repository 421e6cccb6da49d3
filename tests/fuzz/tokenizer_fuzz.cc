// libFuzzer target: the Gemma 4 tokenizer with the real vocabulary (loaded once). The first
// input byte picks the mode: text -> Encode (parse_special on/off, add_bos) -> Decode, checking
// that plain-text encoding round-trips; or the rest read as int32 ids (in or out of range) for
// Decode, Piece and IncrementalDetokenizer, checking that streaming equals one-shot decoding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/incremental_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

const hearth::Tokenizer* LoadVocab() {
  const char* env = std::getenv("HEARTH_FUZZ_VOCAB");
  const std::string path = env ? env : HEARTH_TESTDATA "/ggml-vocab-gemma-4.gguf";
  hearth::Result<hearth::GgufFile> file = hearth::GgufFile::Open(path);
  if (!file) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", file.error().ToString().c_str());
    std::abort();
  }
  hearth::Result<hearth::Tokenizer> tok = hearth::Tokenizer::FromGguf(*file);
  if (!tok) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", tok.error().ToString().c_str());
    std::abort();
  }
  return new hearth::Tokenizer(std::move(*tok));  // lives for the whole run
}

const hearth::Tokenizer& Vocab() {
  static const hearth::Tokenizer* tok = LoadVocab();
  return *tok;
}

void FuzzText(const hearth::Tokenizer& tok, uint8_t mode, std::string_view text) {
  const bool parse_special = mode & 1;
  const bool add_bos = mode & 2;
  hearth::Result<std::vector<int32_t>> ids = tok.Encode(text, parse_special, add_bos);
  HEARTH_FUZZ_CHECK(ids.ok(), "Encode failed on a small input");
  for (int32_t id : *ids) HEARTH_FUZZ_CHECK(tok.IsValid(id), "Encode produced an invalid id");
  for (bool render_special : {false, true}) {
    hearth::Result<std::string> back = tok.Decode(*ids, render_special);
    HEARTH_FUZZ_CHECK(back.ok(), "Decode failed on ids from Encode");
    // Without special parsing every byte of the text is plain text or a user-defined token, and
    // both decode to themselves (byte fallback covers invalid UTF-8). A literal U+2581 in the
    // text decodes to a space, by design (it is the vocabulary's space).
    if (!parse_special && !add_bos && text.find("\xe2\x96\x81") == std::string_view::npos) {
      HEARTH_FUZZ_CHECK(*back == text, "Decode(Encode(text)) != text");
    }
  }
}

void FuzzIds(const hearth::Tokenizer& tok, uint8_t mode, const uint8_t* data, size_t size) {
  std::vector<int32_t> ids(size / 4);
  if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
  // Mostly in-range ids, so decoding gets exercised; mode bit 3 keeps the raw values.
  bool any_invalid = false;
  for (int32_t& id : ids) {
    if (!(mode & 8) && id >= 0) id %= tok.n_vocab();
    (void)tok.Piece(id, true);
    (void)tok.TokenText(id);
    (void)tok.Type(id);
    (void)tok.IsEog(id);
    any_invalid |= !tok.IsValid(id);
  }
  const bool render_special = mode & 1;
  hearth::Result<std::string> text = tok.Decode(ids, render_special);
  HEARTH_FUZZ_CHECK(text.ok() == !any_invalid, "Decode must fail exactly for out-of-range ids");
  hearth::IncrementalDetokenizer::Options opts;
  opts.render_special = render_special;
  if (mode & 2) opts.hold_back = {"<|tool_call>", "</s>", "\n\n"};
  hearth::IncrementalDetokenizer detok(tok, opts);
  std::string streamed;
  for (int32_t id : ids) streamed += detok.Push(id);
  streamed += detok.Flush();
  if (!any_invalid) HEARTH_FUZZ_CHECK(streamed == *text, "IncrementalDetokenizer != Decode");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Vocab();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const hearth::Tokenizer& tok = Vocab();
  const uint8_t mode = data[0];
  if (mode & 0x80) {
    FuzzIds(tok, mode, data + 1, size - 1);
  } else {
    FuzzText(tok, mode, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  }
  return 0;
}
