#include "store/manifest.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "store/atomic_file.h"
#include "store/model_store.h"
#include "store/sha256.h"

namespace hearth::store {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Fed in odd-sized pieces: the same digest as in one go.
  const std::string million(1000000, 'a');
  Sha256 h;
  for (size_t i = 0; i < million.size(); i += 977) h.Update(million.data() + i, std::min<size_t>(977, million.size() - i));
  EXPECT_EQ(h.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Manifest, JsonRoundTrip) {
  Manifest m;
  m.config = {std::string(kMediaConfig), "sha256:" + kHexA, 123, ""};
  m.layers.push_back({std::string(kMediaModel), "sha256:" + kHexB, 5000000000ULL, "gemma-4-E4B-it-Q4_K_M.gguf"});
  m.layers.push_back({std::string(kMediaSystem), "sha256:" + kHexA, 7, ""});
  Result<Manifest> back = Manifest::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->TotalSize(), 123u + 5000000000ULL + 7u);
  EXPECT_EQ(back->Find(kMediaModel)->size, 5000000000ULL);
  m.SetLayer({std::string(kMediaSystem), "sha256:" + kHexB, 9, ""});
  EXPECT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.Find(kMediaSystem)->size, 9u);
}

TEST(Manifest, RejectsMalformed) {
  for (const char* bad : {"", "[]", "{\"schemaVersion\":1}", "{\"schemaVersion\":2,\"layers\":[]}",
                          R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:zz","size":1},"layers":[]})",
                          R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"md5:00","size":1},"layers":[]})",
                          R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:../../etc/passwd","size":1},"layers":[]})",
                          R"({"schemaVersion":2,"config":{"mediaType":"x","size":-1},"layers":[]})",
                          // Found by store_names_fuzz: a non-number version used to throw.
                          R"({"schemaVersion":{},"layers":[]})", R"({"schemaVersion":"2"})"}) {
    EXPECT_FALSE(Manifest::FromJson(bad).ok()) << bad;
  }
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/hearth-store-test-" + std::to_string(::getpid());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(StoreTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  const std::string path = root_ + "/dir/file";
  ASSERT_TRUE(AtomicWriteFile(path, "first version, longer").ok());
  ASSERT_TRUE(AtomicWriteFile(path, "second").ok());
  EXPECT_EQ(*ReadWholeFile(path), "second");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(root_ + "/dir")) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "file");
  }
  EXPECT_EQ(entries, 1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_FALSE(AtomicWriteFile("/proc/hearth-cannot-write-here/x", "x").ok());
}

TEST_F(StoreTest, ManifestsBlobsListCopyRemove) {
  ModelStore store(root_);
  Result<Layer> model = store.PutBytes("fake gguf bytes", kMediaModel);
  Result<Layer> config = store.PutBytes("{}", kMediaConfig);
  ASSERT_TRUE(model.ok() && config.ok());
  EXPECT_EQ(model->digest, "sha256:" + Sha256Hex("fake gguf bytes"));
  Manifest m{*config, {*model}};
  const ModelName a = *ParseModelName("tiny:v1");
  const ModelName b = *ParseModelName("hf.co/Org/Tiny:Q8_0");
  ASSERT_TRUE(store.WriteManifest(a, m).ok());
  EXPECT_EQ(*store.ReadManifest(a), m);
  EXPECT_EQ(*store.ModelPath(a), store.BlobPath(Sha256Hex("fake gguf bytes")));
  ASSERT_TRUE(store.Copy(a, b).ok());
  // Stray files in the manifest tree (an interrupted write's temporary) are not models.
  ASSERT_TRUE(AtomicWriteFile(root_ + "/manifests/registry.ollama.ai/library/tiny/.v2.tmp-123", "{").ok());
  Result<std::vector<StoreEntry>> list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name.Display(), "hf.co/org/tiny:q8_0");
  EXPECT_EQ((*list)[1].name.Display(), "tiny:v1");
  EXPECT_EQ((*list)[1].size, 15u + 2u);
  EXPECT_EQ((*list)[1].digest_hex, Sha256Hex(*ReadWholeFile(store.ManifestPath(a))));
  // Removing one copy keeps the shared blob; removing the last deletes it.
  ASSERT_TRUE(store.Remove(a).ok());
  EXPECT_EQ(store.ReadManifest(a).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.HasBlob(Sha256Hex("fake gguf bytes")));
  ASSERT_TRUE(store.Remove(b).ok());
  EXPECT_FALSE(store.HasBlob(Sha256Hex("fake gguf bytes")));
  EXPECT_EQ(store.Remove(b).code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, ManifestNeverPointsAtAMissingBlob) {
  ModelStore store(root_);
  Manifest m{{std::string(kMediaConfig), "sha256:" + kHexA, 2, ""}, {}};
  const ModelName a = *ParseModelName("tiny");
  EXPECT_EQ(store.WriteManifest(a, m).code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(store.ManifestPath(a)));
}

}  // namespace
}  // namespace hearth::store
