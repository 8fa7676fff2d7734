// libFuzzer driver for a whole picnic::Decode with the built-in histogram
// model (max_pixels 2^16): every input ends in an image or a typed error,
// never a crash, hang or kInternal; an accepted image re-encodes and decodes
// to itself (fuzz_checks.h).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picnic::fuzz::CheckDecode(data, size);
  return 0;
}
