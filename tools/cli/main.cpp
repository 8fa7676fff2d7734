// The `picnic` command line. Subcommands are added in their own files.
#include <cstdio>

int main() {
  std::fprintf(stderr, "picnic: the command line is not written yet\n");
  return 1;
}
