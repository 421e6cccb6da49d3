// Helpers shared by the libFuzzer targets in tests/fuzz: a crash-on-violation check for the
// invariants the fuzzers assert (libFuzzer records any abort as a finding with its input).
#pragma once

#include <cstdio>
#include <cstdlib>

// Aborts with the message when `cond` is false; used for properties the fuzzers check on top of
// the sanitizers (round trips, chunking invariance).
#define HEARTH_FUZZ_CHECK(cond, msg)                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, msg);                                                       \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
