// Turns a SIGBUS on a mapped model file into a clear fatal message. When a file is truncated or
// replaced in place while it is mapped, reading a page past its new end raises SIGBUS, which by
// default kills the process with no hint of the cause. MappedFile registers every mapping here;
// the handler (installed with the first registration) finds the mapping that holds the faulting
// address, prints "fatal: PATH was truncated or changed while in use (offset N)" and exits
// with status 135 (128 + SIGBUS). Faults outside registered mappings keep the default action.
// There is no recovery: the process state at the fault is a half-read weight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth {

// Registers [data, data + size) as the mapping of `path` (paths longer than 511 bytes are cut).
// At most 64 mappings are tracked at once; beyond that, faults keep the default action.
void RegisterMapping(const uint8_t* data, size_t size, const std::string& path);
void UnregisterMapping(const uint8_t* data);

}  // namespace hearth
