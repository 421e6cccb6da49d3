// libFuzzer target: the two texts the model store reads from outside, on arbitrary bytes —
// manifest JSON (files under ~/.hearth/models/manifests, which another tool or a bad disk may
// have written; Manifest::FromJson) and model names (command line and API requests;
// ParseModelName and the pull resolver behind `hearth pull`/`run`). Beyond the sanitizers it
// checks: a bad manifest is CorruptFile, a good one survives ToJson/FromJson unchanged; an
// accepted name maps to a manifest path of four plain components (no "..", no "/" inside, no
// empty part, nothing absolute) and its display form parses back to the same name.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "store/manifest.h"
#include "store/model_name.h"
#include "store/pull.h"

namespace {

using hearth::StatusCode;

void CheckManifest(std::string_view text) {
  hearth::Result<hearth::store::Manifest> m = hearth::store::Manifest::FromJson(text);
  if (!m) {
    HEARTH_FUZZ_CHECK(m.error().code() == StatusCode::kCorruptFile, m.error().ToString().c_str());
    return;
  }
  HEARTH_FUZZ_CHECK(hearth::store::DigestHex(m->config.digest).has_value(), "config digest not sha256:<hex>");
  for (const hearth::store::Layer& l : m->layers) {
    HEARTH_FUZZ_CHECK(hearth::store::DigestHex(l.digest).has_value(), "layer digest not sha256:<hex>");
  }
  hearth::Result<hearth::store::Manifest> again = hearth::store::Manifest::FromJson(m->ToJson());
  HEARTH_FUZZ_CHECK(again.ok() && *again == *m, "a manifest must survive ToJson/FromJson");
}

void CheckName(std::string_view text) {
  hearth::Result<hearth::store::ModelName> n = hearth::store::ParseModelName(text);
  if (!n) {
    HEARTH_FUZZ_CHECK(n.error().code() == StatusCode::kInvalidArgument, n.error().ToString().c_str());
    return;
  }
  const std::string rel = n->ManifestRelPath();
  HEARTH_FUZZ_CHECK(!rel.empty() && rel.front() != '/' && rel.back() != '/', rel.c_str());
  int slashes = 0;
  size_t start = 0;
  for (size_t i = 0; i <= rel.size(); ++i) {
    if (i < rel.size() && rel[i] != '/') continue;
    const std::string_view part = std::string_view(rel).substr(start, i - start);
    HEARTH_FUZZ_CHECK(!part.empty() && part != "." && part != "..", rel.c_str());
    for (char c : part) HEARTH_FUZZ_CHECK(c > ' ' && c < 0x7f && c != '\\', rel.c_str());
    slashes += i < rel.size();
    start = i + 1;
  }
  HEARTH_FUZZ_CHECK(slashes == 3, rel.c_str());
  hearth::Result<hearth::store::ModelName> shown = hearth::store::ParseModelName(n->Display());
  HEARTH_FUZZ_CHECK(shown.ok() && shown->ManifestRelPath() == rel, n->Display().c_str());

  hearth::Result<hearth::store::PullTarget> pull = hearth::store::ResolvePullTarget(text);
  if (pull) {
    HEARTH_FUZZ_CHECK(pull->repo.find('/') != std::string::npos && pull->repo.front() != '/', pull->repo.c_str());
    HEARTH_FUZZ_CHECK(pull->name.ManifestRelPath() == rel, "pull stores under another name");
  } else {
    const StatusCode c = pull.error().code();
    HEARTH_FUZZ_CHECK(c == StatusCode::kNotFound || c == StatusCode::kUnsupported || c == StatusCode::kInvalidArgument,
                      pull.error().ToString().c_str());
  }
}

}  // namespace

// The first byte picks the reader, so one corpus grows for both.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    CheckName(text);
  } else {
    CheckManifest(text);
  }
  return 0;
}
