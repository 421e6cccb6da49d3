// SHA-256 (FIPS 180-4), incremental: blobs in the store are named by it and every download is
// checked against it while it streams, so a multi-GB file is read once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::store {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  // Finishes the hash and returns it as 64 lower-case hex digits; the object is spent afterwards.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string Sha256Hex(std::string_view bytes);
// Hashes a whole file.
Result<std::string> Sha256File(const std::string& path);
// True for exactly 64 lower-case hex digits.
bool IsSha256Hex(std::string_view s);

}  // namespace hearth::store
