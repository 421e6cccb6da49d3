// A mapped file truncated under the process: reading past the new end must end the process
// with a message naming the file (exit 128 + SIGBUS), not a bare bus error; unmapped files and
// other faults are not affected.
#include "base/mapping_fault.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "base/mmap_file.h"

namespace hearth {
namespace {

std::string WriteTemp(const std::string& name, size_t size) {
  const std::string path = std::string(::testing::TempDir()) + "/" + name + "-" + std::to_string(getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::vector<char> bytes(size, 'x');
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

TEST(MappingFaultDeathTest, TruncatedMappedFileNamesTheFile) {
  const long page = sysconf(_SC_PAGESIZE);
  const std::string path = WriteTemp("truncated.gguf", static_cast<size_t>(page) * 4);
  Result<MappedFile> m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(truncate(path.c_str(), page), 0);
  const volatile uint8_t* p = m->data();
  EXPECT_EQ(p[10], 'x');  // still inside the file
  EXPECT_EXIT(static_cast<void>(p[page * 2 + 5]), ::testing::ExitedWithCode(128 + SIGBUS),
              path + " was truncated or changed while in use \\(bus error reading offset " +
                  std::to_string(page * 2 + 5) + "\\)");
  std::remove(path.c_str());
}

TEST(MappingFaultDeathTest, UnregisteredMappingKeepsTheDefaultAction) {
  const long page = sysconf(_SC_PAGESIZE);
  const std::string path = WriteTemp("closed.gguf", static_cast<size_t>(page) * 2);
  Result<MappedFile> m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok());
  const uint8_t* p = m->data();
  UnregisterMapping(p);
  ASSERT_EQ(truncate(path.c_str(), 0), 0);
  EXPECT_EXIT(static_cast<void>(*static_cast<const volatile uint8_t*>(p + page)), ::testing::KilledBySignal(SIGBUS),
              "");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hearth
