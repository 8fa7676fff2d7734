// libFuzzer driver for the .pnc container parser (ParseContainer and the
// public ReadFileInfo): accepted headers are self-consistent and write back
// to the same bytes (fuzz_checks.h).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picnic::fuzz::CheckContainer(data, size);
  return 0;
}
