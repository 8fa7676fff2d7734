// libFuzzer driver for the range decoder on arbitrary bytes, with CDFs taken
// from the input (raw weights at every coder precision, and the codec's own
// CDF builder on raw mixture parameters): symbols stay in range, nothing
// reads out of bounds, decoded symbols re-encode and decode to themselves
// (fuzz_checks.h).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picnic::fuzz::CheckRangeDecoder(data, size);
  return 0;
}
