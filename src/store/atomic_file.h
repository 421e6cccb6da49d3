// Crash-safe file primitives for the store: a file is written beside its final name, fsynced,
// then renamed over it (rename is atomic within a directory), and the directory is fsynced so the
// rename survives a power cut. A reader therefore sees the old file or the new one, never half.
// FileLock is an flock(2) on a lock file: released by the kernel when the process dies, so a
// killed pull can never leave the store locked.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::store {

// Creates `dir` and its parents (mode 0755).
Status MakeDirs(const std::string& dir);
// Writes `bytes` to `path` atomically (temp file `.NAME.tmp-XXXXXX` in the same directory).
Status AtomicWriteFile(const std::string& path, std::string_view bytes);
// fsyncs a file or directory by path.
Status SyncPath(const std::string& path);
Result<std::string> ReadWholeFile(const std::string& path);

class FileLock {
 public:
  // Blocks until the exclusive lock on `path` (created if missing) is held.
  static Result<FileLock> Acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hearth::store
