// Writes the fuzzers' GGUF seed corpus at run time (binary seeds are not committed): tiny
// random-weight Gemma 4 models of every preset built with the project's own writer, over a small
// byte-level vocabulary, plus prefixes of the real vocab GGUF (header, metadata, token arrays).
//   make_seeds OUT_DIR VOCAB_GGUF
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gguf/gguf_writer.h"
#include "model/gemma4/gemma4_test_model.h"

namespace {

bool WriteTinyVocab(const std::string& path) {
  hearth::GgufWriter w;
  std::vector<std::string> tokens = {"<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "<|channel>", "<channel|>"};
  std::vector<int32_t> types = {3, 3, 3, 2, 3, 3, 4, 4};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    tokens.push_back(buf);
    types.push_back(6);
  }
  for (const char* t : {"\xe2\x96\x81", "a", "b", "ab", "\xe2\x96\x81" "ab", "\n"}) {
    tokens.push_back(t);
    types.push_back(1);
  }
  std::vector<float> scores(tokens.size(), 0.0f);
  w.SetString("general.architecture", "gemma4");
  w.SetString("tokenizer.ggml.model", "gemma4");
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  w.SetFloat32Array("tokenizer.ggml.scores", scores);
  w.SetInt32Array("tokenizer.ggml.token_type", types);
  w.SetStringArray("tokenizer.ggml.merges", {"a b", "\xe2\x96\x81 ab"});
  w.SetUint32("tokenizer.ggml.bos_token_id", 2);
  w.SetUint32("tokenizer.ggml.eos_token_id", 1);
  w.SetUint32("tokenizer.ggml.unknown_token_id", 3);
  w.SetUint32("tokenizer.ggml.padding_token_id", 0);
  hearth::Status s = w.Begin(path);
  if (s.ok()) s = w.Finish();
  if (!s.ok()) std::fprintf(stderr, "make_seeds: %s\n", s.ToString().c_str());
  return s.ok();
}

bool WritePrefix(const std::string& from, const std::string& to, size_t n) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> buf(n);
  in.read(buf.data(), static_cast<std::streamsize>(n));
  std::ofstream out(to, std::ios::binary);
  out.write(buf.data(), in.gcount());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR VOCAB_GGUF\n");
    return 2;
  }
  const std::string out = argv[1], real_vocab = argv[2];
  const std::string vocab = out + "/tiny-vocab.gguf";
  if (!WriteTinyVocab(vocab)) return 1;
  int written = 1;
  struct Variant {
    const char* preset;
    const char* type;
    int layers;
  };
  // Shrunk so each file stays well under the fuzzer's -max_len (tens of KiB).
  for (const Variant& v : {Variant{"e-tiny", "f32", 0}, Variant{"moe-tiny", "q8_0", 0}, Variant{"dense-tiny", "q4_0", 6},
                           Variant{"e-tiny", "q4_k", 0}, Variant{"dense-tiny", "f16", 6}}) {
    hearth::TestModelOptions o;
    o.preset = v.preset;
    o.type = v.type;
    o.n_embd = 32;
    o.n_ff = 32;
    o.ctx = 64;
    o.window = 8;
    if (v.layers) o.n_layer = v.layers;
    o.vocab_path = vocab;
    o.out_path = out + "/" + v.preset + "-" + v.type + ".gguf";
    hearth::Result<uint64_t> bytes = hearth::WriteTestModel(o);
    if (!bytes) {
      std::fprintf(stderr, "make_seeds: %s: %s\n", o.out_path.c_str(), bytes.error().ToString().c_str());
      continue;
    }
    ++written;
  }
  for (size_t n : {24u, 4096u, 65536u}) {
    written += WritePrefix(real_vocab, out + "/real-vocab-prefix-" + std::to_string(n) + ".gguf", n);
  }
  std::printf("make_seeds: wrote %d seeds to %s\n", written, out.c_str());
  return 0;
}
