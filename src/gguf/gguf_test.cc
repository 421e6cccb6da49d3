// GGUF reader/writer: round trip of every value type, and a suite of hostile files that must
// each produce a clean error naming what is wrong.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"

namespace hearth {
namespace {

std::string TempPath(const std::string& name) {
  // ctest runs each test in its own process, in parallel: keep their files apart.
  return std::string(::testing::TempDir()) + "/" + std::to_string(getpid()) + "-" + name;
}

// Reads a file the test wrote and deletes it, so runs leave nothing behind in the temp folder.
std::vector<uint8_t> ReadAndRemove(const std::string& path) {
  std::vector<uint8_t> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::remove(path.c_str());
  return bytes;
}

// A small valid file: every scalar type, arrays (incl. nested and strings), two tensors.
std::vector<uint8_t> MakeSample() {
  GgufWriter w;
  w.SetString("general.architecture", "gemma4");
  w.SetUint32("u32", 7);
  w.SetInt32("i32", -5);
  w.SetUint64("u64", 1ull << 40);
  w.SetFloat32("f32", 1.5f);
  w.SetBool("flag", true);
  w.SetStringArray("strs", {"a", "", "ünï"});
  w.SetInt32Array("ints", {1, -2, 3});
  w.SetBoolArray("bools", {true, false, true});
  std::vector<float> f32(2 * 3);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<float>(i) + 0.25f;
  EXPECT_TRUE(w.AddTensor("w", {3, 2}, GgmlType::kF32).ok());
  EXPECT_TRUE(w.AddTensor("b", {5}, GgmlType::kF32).ok());
  const std::string path = TempPath("sample.gguf");
  EXPECT_TRUE(w.Begin(path).ok());
  EXPECT_TRUE(w.Append(f32.data(), f32.size() * 4).ok());
  const float b[5] = {9, 8, 7, 6, 5};
  EXPECT_TRUE(w.Append(b, sizeof(b)).ok());
  EXPECT_TRUE(w.Finish().ok());
  return ReadAndRemove(path);
}

TEST(Gguf, RoundTripsEveryValueType) {
  const std::vector<uint8_t> bytes = MakeSample();
  Result<GgufFile> f = GgufFile::Parse(bytes.data(), bytes.size());
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(*f->GetString("general.architecture"), "gemma4");
  EXPECT_EQ(*f->GetUint("u32"), 7u);
  EXPECT_EQ(f->Find("i32")->i, -5);
  EXPECT_EQ(*f->GetUint("u64"), 1ull << 40);
  EXPECT_FLOAT_EQ(static_cast<float>(*f->GetFloat("f32")), 1.5f);
  EXPECT_TRUE(*f->GetBool("flag"));
  const GgufValue* strs = f->Find("strs");
  ASSERT_NE(strs, nullptr);
  ASSERT_EQ(strs->strings.size(), 3u);
  EXPECT_EQ(strs->strings[2], "ünï");
  const GgufValue* ints = f->Find("ints");
  EXPECT_EQ(ints->ArrayInt(1), -2);
  EXPECT_TRUE(f->Find("bools")->ArrayBool(2));
  EXPECT_FALSE(f->Find("bools")->ArrayBool(1));
  const GgufTensorInfo* w = f->FindTensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->ShapeString(), "[3, 2]");
  float v;
  std::memcpy(&v, w->data + 4 * 4, 4);
  EXPECT_FLOAT_EQ(v, 4.25f);
  const GgufTensorInfo* b = f->FindTensor("b");
  EXPECT_EQ(b->offset % 32, 0u);
  std::memcpy(&v, b->data + 4, 4);
  EXPECT_FLOAT_EQ(v, 8.0f);
  EXPECT_FALSE(f->GetUint("general.architecture").ok());
  EXPECT_NE(f->GetUint("general.architecture").error().message().find("general.architecture"), std::string::npos);
}

TEST(Gguf, CopyValuePreservesNestedArrays) {
  // Build a nested array by hand: array of 2 arrays of int32.
  std::vector<uint8_t> kv;
  auto put32 = [&](uint32_t x) { for (int i = 0; i < 4; ++i) kv.push_back((x >> (8 * i)) & 0xff); };
  auto put64 = [&](uint64_t x) { for (int i = 0; i < 8; ++i) kv.push_back((x >> (8 * i)) & 0xff); };
  put32(0x46554747); put32(3); put64(0); put64(1);
  put64(6); for (char c : std::string("nested")) kv.push_back(static_cast<uint8_t>(c));
  put32(9); put32(9); put64(2);
  for (int a = 0; a < 2; ++a) { put32(5); put64(2); put32(10 * a); put32(10 * a + 1); }
  Result<GgufFile> f = GgufFile::Parse(kv.data(), kv.size());
  ASSERT_TRUE(f.ok()) << f.error().message();
  const GgufValue* n = f->Find("nested");
  ASSERT_EQ(n->items.size(), 2u);
  EXPECT_EQ(n->items[1].ArrayInt(1), 11);
  GgufWriter w;
  w.CopyValue("nested", *n);
  const std::string path = TempPath("nested.gguf");
  ASSERT_TRUE(w.Begin(path).ok());
  ASSERT_TRUE(w.Finish().ok());
  const std::vector<uint8_t> back = ReadAndRemove(path);
  Result<GgufFile> g = GgufFile::Parse(back.data(), back.size());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->Find("nested")->items[0].ArrayInt(1), 1);
}

TEST(Gguf, EveryTruncationIsACleanError) {
  const std::vector<uint8_t> bytes = MakeSample();
  Result<GgufFile> whole = GgufFile::Parse(bytes.data(), bytes.size());
  ASSERT_TRUE(whole.ok());
  const GgufTensorInfo* last = whole->FindTensor("b");
  const size_t needed = whole->data_offset() + last->offset + last->n_bytes;
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<GgufFile> f = GgufFile::Parse(bytes.data(), n);
    // Only the trailing alignment padding after the last tensor may be cut.
    EXPECT_EQ(f.ok(), n >= needed) << "prefix of " << n << " bytes";
  }
}

TEST(Gguf, HostileHeadersAreRefusedWithPreciseMessages) {
  const std::vector<uint8_t> good = MakeSample();
  auto patch = [&](size_t at, std::vector<uint8_t> v) {
    std::vector<uint8_t> b = good;
    for (size_t i = 0; i < v.size(); ++i) b.at(at + i) = v[i];
    return b;
  };
  auto expect_error = [](const std::vector<uint8_t>& b, const std::string& needle) {
    Result<GgufFile> f = GgufFile::Parse(b.data(), b.size());
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.error().message().find(needle), std::string::npos) << f.error().message();
  };
  expect_error(patch(0, {'G', 'G', 'M', 'L'}), "bad magic");
  expect_error(patch(4, {1, 0, 0, 0}), "version 1");
  expect_error(patch(8, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), "tensor count");
  expect_error(patch(16, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0}), "metadata count");
  // First key's length field: absurd length.
  expect_error(patch(24, {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), "truncated");
}

// Locates the tensor-info record of `name` inside the sample image.
size_t FindTensorInfo(const std::vector<uint8_t>& b, const std::string& name) {
  for (size_t i = 0; i + 8 + name.size() < b.size(); ++i) {
    uint64_t len;
    std::memcpy(&len, b.data() + i, 8);
    if (len == name.size() && std::memcmp(b.data() + i + 8, name.data(), name.size()) == 0) {
      return i + 8 + name.size();  // points at n_dims
    }
  }
  return 0;
}

TEST(Gguf, HostileTensorInfosAreRefused) {
  const std::vector<uint8_t> good = MakeSample();
  const size_t at = FindTensorInfo(good, "b");  // n_dims(4) ne0(8) type(4) offset(8)
  ASSERT_GT(at, 0u);
  auto with = [&](size_t off, const void* v, size_t n) {
    std::vector<uint8_t> b = good;
    std::memcpy(b.data() + at + off, v, n);
    Result<GgufFile> f = GgufFile::Parse(b.data(), b.size());
    EXPECT_FALSE(f.ok());
    return f.ok() ? std::string() : f.error().message();
  };
  const uint32_t five_dims = 5, bad_type = 77, q4k = 12;
  const uint64_t huge = 1ull << 62, past_eof = 1 << 20, misaligned = 33, zero = 0;
  EXPECT_NE(with(0, &five_dims, 4).find("tensor b: 5 dimensions"), std::string::npos);
  EXPECT_NE(with(4, &huge, 8).find("tensor b"), std::string::npos);
  EXPECT_NE(with(4, &zero, 8).find("dimension 0"), std::string::npos);
  EXPECT_NE(with(12, &bad_type, 4).find("unknown tensor type id 77"), std::string::npos);
  EXPECT_NE(with(12, &q4k, 4).find("not a multiple"), std::string::npos);
  EXPECT_NE(with(16, &past_eof, 8).find("past the end"), std::string::npos);
  EXPECT_NE(with(16, &misaligned, 8).find("not aligned"), std::string::npos);
}

TEST(Gguf, OpenReportsMissingFileAndNonGguf) {
  Result<GgufFile> missing = GgufFile::Open(TempPath("does-not-exist.gguf"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  const std::string text = TempPath("text.gguf");
  std::ofstream(text) << "hello, not a model";
  Result<GgufFile> bad = GgufFile::Open(text);
  std::remove(text.c_str());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("not a GGUF file"), std::string::npos);
}

TEST(Gguf, ReadsTheRealGemma4Vocab) {
  Result<GgufFile> f = GgufFile::Open(std::string(HEARTH_TESTDATA) + "/ggml-vocab-gemma-4.gguf");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(*f->GetString("general.architecture"), "gemma4");
  EXPECT_EQ(f->Find("tokenizer.ggml.tokens")->strings.size(), 262144u);
  EXPECT_EQ(*f->GetUint("gemma4.block_count"), 30u);
}

}  // namespace
}  // namespace hearth
