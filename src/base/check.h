// HEARTH_CHECK: always-on invariant checks for anything that would otherwise corrupt memory.
// Not for untrusted input (that returns Status); a failed check is a bug in hearth.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HEARTH_CHECK(cond, ...)                                                      \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "hearth: check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                             \
      std::fprintf(stderr, "\n");                                                    \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

#ifdef NDEBUG
#define HEARTH_DCHECK(cond, ...) \
  do {                           \
  } while (0)
#else
#define HEARTH_DCHECK(cond, ...) HEARTH_CHECK(cond, __VA_ARGS__)
#endif
