#include "base/mapping_fault.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

namespace hearth {
namespace {

// Slots are written under a mutex by (Un)RegisterMapping and read lock-free by the handler:
// `begin` is published last (release) and cleared first, so the handler never sees a slot whose
// path is being written.
struct Slot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<size_t> size{0};
  char path[512] = {};
};
constexpr int kSlots = 64;
Slot g_slots[kSlots];
std::mutex g_mu;

void WriteAll(const char* s, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void WriteStr(const char* s) { WriteAll(s, std::strlen(s)); }

// Decimal without the allocating standard formatters (async-signal-safe).
void WriteNumber(uint64_t v) {
  char buf[24];
  int i = sizeof(buf);
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && i > 0);
  WriteAll(buf + i, sizeof(buf) - static_cast<size_t>(i));
}

void OnSigbus(int sig, siginfo_t* info, void*) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (const Slot& s : g_slots) {
    const uintptr_t begin = s.begin.load(std::memory_order_acquire);
    if (begin == 0 || addr < begin || addr - begin >= s.size.load(std::memory_order_relaxed)) continue;
    WriteStr("hearth: fatal: ");
    WriteStr(s.path);
    WriteStr(" was truncated or changed while in use (bus error reading offset ");
    WriteNumber(addr - begin);
    WriteStr("); do not modify a model file while hearth runs it\n");
    _exit(128 + sig);
  }
  // Not ours: the default action (core dump), as if no handler were installed.
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallHandler() {
  struct sigaction sa {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace

void RegisterMapping(const uint8_t* data, size_t size, const std::string& path) {
  static std::once_flag installed;
  std::call_once(installed, InstallHandler);
  std::lock_guard<std::mutex> lock(g_mu);
  for (Slot& s : g_slots) {
    if (s.begin.load(std::memory_order_relaxed) != 0) continue;
    const size_t n = std::min(path.size(), sizeof(s.path) - 1);
    std::memcpy(s.path, path.data(), n);
    s.path[n] = '\0';
    s.size.store(size, std::memory_order_relaxed);
    s.begin.store(reinterpret_cast<uintptr_t>(data), std::memory_order_release);
    return;
  }
}

void UnregisterMapping(const uint8_t* data) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (Slot& s : g_slots) {
    if (s.begin.load(std::memory_order_relaxed) == reinterpret_cast<uintptr_t>(data)) {
      s.begin.store(0, std::memory_order_release);
      return;
    }
  }
}

}  // namespace hearth
