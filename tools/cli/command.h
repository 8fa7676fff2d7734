// The `picnic` command line: one Add*Command per subcommand, each in its own
// file, sharing the few helpers below (output naming, error reporting,
// progress). Exit codes: 0 ok, 1 a file failed, 2 usage error.
#ifndef PICNIC_TOOLS_CLI_COMMAND_H_
#define PICNIC_TOOLS_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "picnic/picnic.h"
#include "picnic/status.h"

struct CliContext {
  int verbosity = 1;  // 0 quiet, 1 normal, 2 verbose
  int exit_code = 0;  // 0 ok, 1 some input failed, 2 usage
};

void AddCompressCommand(CLI::App& app, CliContext& ctx);
void AddDecompressCommand(CLI::App& app, CliContext& ctx);
void AddInfoCommand(CLI::App& app, CliContext& ctx);
// Hidden: `picnic compare A B` exits 0 when both images have the same pixels
// and layout (for tests; formats may differ).
void AddCompareCommand(CLI::App& app, CliContext& ctx);
// The LibTorch commands, defined in the plugin (torch_plugin.h).
void AddTrainCommand(CLI::App& app, CliContext& ctx);
void AddEvalCommand(CLI::App& app, CliContext& ctx);
void AddSampleCommand(CLI::App& app, CliContext& ctx);
void AddReportCommand(CLI::App& app, CliContext& ctx);
void AddExportCommand(CLI::App& app, CliContext& ctx);
// The float weights installed, for the plugin commands' --help ("Installed
// models: ..." and one path per line); `builtin` adds the built-in
// histogram model. Defined in the plugin (cli_torch/eval.cpp).
std::string InstalledModelsHelp(bool builtin);

// The model `picnic compress` uses when --model is not given: the shipped
// photo model, run by the exact engine (weights/photo.pnq) in every build.
inline constexpr const char* kDefaultModelName = "photo";

// Every model the CLI can use, for encoding (by name or weights path) and for
// decoding (by name and fingerprint). Defined in models.cpp.
picnic::ModelProvider CliModelProvider();

namespace picnic_cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "picnic: PATH: CODE: MESSAGE" on stderr (PATH omitted when the
// message already names it) and records the failure in ctx.
void ReportError(CliContext& ctx, const std::string& path, const picnic::Status& status);
// Prints "picnic: MESSAGE" on stderr unless quiet.
void Note(const CliContext& ctx, const std::string& message);

// "dir/x.png" -> "dir/x.pnc": replaces the file name's last extension (or
// appends one when there is none). new_extension includes the dot.
std::string ReplaceExtension(const std::string& path, const std::string& new_extension);
std::string BaseName(const std::string& path);
bool IsDirectory(const std::string& path);

// "-" as an input reads standard input, as an output writes standard output.
inline bool IsStdio(const std::string& path) { return path == "-"; }

// Works out the output file of every input. "-" may only be the sole input
// (its output is standard output unless -o says otherwise) and -o - takes
// one input. `output` is -o: empty (outputs
// beside the inputs), a file (one input), or a folder (created if missing;
// required for several inputs). Throws CLI::ValidationError for usage errors.
std::vector<std::string> PlanOutputs(const std::vector<std::string>& inputs,
                                     const std::string& output,
                                     const std::string& new_extension);

// The checks every output gets before any work is done: not written twice in
// one run, not an existing file unless --force. Returns an error to report.
picnic::Status CheckOutput(const std::string& output, bool force,
                           std::vector<std::string>* already_planned);
// The same, and the output must not be the input itself (same path, or the
// same file through another name): refused even with --force, since the
// input would be gone if anything went wrong.
picnic::Status CheckOutput(const std::string& input, const std::string& output, bool force,
                           std::vector<std::string>* already_planned);

// The loop compress and decompress share. Plans every input's output
// (PlanOutputs), checks it (CheckOutput), runs `convert`, writes its bytes
// (WriteOutput) and, with -v, prints "IN -> OUT: SUMMARY, T s". Failures are
// reported against the input (ReportError) and the next input follows,
// unless `stop_note` gives a non-empty reason for a failure: then the other
// inputs are skipped with that note.
struct Converted {
  std::vector<uint8_t> bytes;
  std::string summary;  // for -v
};
using ConvertFn =
    std::function<picnic::Result<Converted>(const std::string& in, const std::string& out)>;
void ConvertFiles(CliContext& ctx, const std::vector<std::string>& inputs,
                  const std::string& output, const std::string& new_extension, bool force,
                  const ConvertFn& convert,
                  const std::function<std::string(const picnic::Status&)>& stop_note = nullptr);

// Writes `bytes` to `path` (WriteFileAtomic) or, for "-", to standard output.
picnic::Status WriteOutput(const std::string& path, const std::vector<uint8_t>& bytes,
                           bool force);
// The label progress lines and messages use for an input.
std::string InputLabel(const std::string& path);

// Adds --max-pixels (default picnic::kDefaultMaxPixels, 0: no limit).
void AddMaxPixelsOption(CLI::App* cmd, uint64_t* max_pixels);

// "1.2 MB", "812 B".
std::string HumanBytes(uint64_t bytes);
// "iCCP 3.1 kB, tEXt 25 B"; "none" when empty.
std::string MetadataSummary(const std::vector<picnic::MetadataChunk>& metadata);

// Shows "picnic: NAME 42%" on stderr, rewriting one line, when stderr is a
// terminal, not quiet, and the job has run long enough to be worth it.
class Progress {
 public:
  // pixels > 0 adds pixels/s and an ETA to the line.
  Progress(const CliContext& ctx, std::string label, uint64_t pixels = 0);
  ~Progress();
  picnic::ProgressFn Callback();
  void Finish();

 private:
  void Update(double fraction);

  bool enabled_ = false;
  bool shown_ = false;
  int last_percent_ = -1;
  uint64_t pixels_ = 0;
  std::string label_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace picnic_cli

#endif  // PICNIC_TOOLS_CLI_COMMAND_H_
