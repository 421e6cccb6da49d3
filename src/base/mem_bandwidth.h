// A streaming-read bandwidth probe: how many bytes per second the given threads can pull from
// DRAM, the ceiling for token-by-token decode, which reads every weight it uses once per token.
// Used by `hearth bench` for its roofline. Allocates the buffer for the duration of the call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "base/thread_pool.h"

namespace hearth {

struct BandwidthResult {
  double best_gbs = 0;    // best pass, 1e9 bytes per second
  double mean_gbs = 0;    // mean over the passes
  size_t buffer_bytes = 0;
  int passes = 0;
  uint64_t checksum = 0;  // of the data read; only there so the reads cannot be optimised away
};

// Writes a buffer of `bytes` once (first touch, split across the pool so pages land near the
// threads that read them), then reads it `passes` times with every pool thread streaming its own
// contiguous slice. `bytes` should dwarf the last-level cache (1 GiB is the default in bench).
Result<BandwidthResult> MeasureReadBandwidth(ThreadPool& pool, size_t bytes, int passes);

}  // namespace hearth
