// libFuzzer driver for image decoding (PNG via libpng, PPM/PGM): any input
// must give an Image or an error value, never a crash, leak or UB. A decoded
// image must survive EncodePng -> DecodeImage unchanged (fuzz_checks.h).
//   bash tools/fuzz/run_fuzzers.sh 60    # builds and runs every target
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picnic::fuzz::CheckImageIo(data, size);
  return 0;
}
