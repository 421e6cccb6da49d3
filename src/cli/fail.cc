#include <cstdio>

#include "cli/command.h"

namespace hearth::cli {

int Fail(const Status& status) {
  std::fprintf(stderr, "hearth: %s\n", status.message().c_str());
  return 1;
}

}  // namespace hearth::cli
