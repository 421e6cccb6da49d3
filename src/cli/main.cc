// hearth command line: one subcommand per file in src/cli/.
#include <cstdio>

int main() {
  std::puts("hearth");
  return 0;
}
