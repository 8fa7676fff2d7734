// The external lossless codecs a report runs as programs: one table entry
// each (the codec, its encoder and decoder command lines, the programs whose
// presence on PATH says it is installed). A new baseline is a new entry here
// and a new Codec in codecs.h.
#ifndef PICNIC_TOOLS_REPORT_EXTERNAL_H_
#define PICNIC_TOOLS_REPORT_EXTERNAL_H_

#include <chrono>
#include <string>
#include <vector>

#include "picnic/status.h"
#include "rows.h"

namespace picnic_report {

struct ExternalCodec {
  Codec codec;
  const char* encoder;    // programs: both must be on PATH
  const char* decoder;
  const char* extension;  // of the coded file
  std::vector<std::string> (*encode_argv)(const std::string& png, const std::string& coded);
  std::vector<std::string> (*decode_argv)(const std::string& coded);
  const char* missing_note;  // said once when not installed
};

// In the order the report runs them.
const std::vector<ExternalCodec>& ExternalCodecs();

// Probes PATH for the codec's encoder and decoder.
bool Installed(const ExternalCodec& codec);

double SecondsSince(std::chrono::steady_clock::time_point start);

// Encodes `png` into `coded` and decodes it again, timing both (stdin,
// stdout and stderr on /dev/null), then removes `coded`. On failure the
// result has have == false and *error says why.
CodecResult RunExternal(const ExternalCodec& codec, const std::string& png,
                        const std::string& coded, std::string* error);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_EXTERNAL_H_
