// Helpers shared by the subcommands: output naming, errors, progress.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "command.h"
#include "picnic/image_io.h"

namespace picnic_cli {

void ReportError(CliContext& ctx, const std::string& path, const picnic::Status& status) {
  const std::string text = status.ToString();
  // I/O messages already say "cannot open x.png: ..."; do not repeat the name.
  if (path.empty() || status.message().find(path) != std::string::npos) {
    std::fprintf(stderr, "picnic: %s\n", text.c_str());
  } else {
    std::fprintf(stderr, "picnic: %s: %s\n", path.c_str(), text.c_str());
  }
  if (ctx.exit_code == kExitOk) ctx.exit_code = kExitFailure;
}

void Note(const CliContext& ctx, const std::string& message) {
  if (ctx.verbosity >= 1) std::fprintf(stderr, "picnic: %s\n", message.c_str());
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ReplaceExtension(const std::string& path, const std::string& new_extension) {
  const size_t slash = path.find_last_of('/');
  const size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  const size_t dot = path.find_last_of('.');
  // A leading dot (".hidden") is part of the name, not an extension.
  if (dot == std::string::npos || dot <= name_start) return path + new_extension;
  return path.substr(0, dot) + new_extension;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> PlanOutputs(const std::vector<std::string>& inputs,
                                     const std::string& output,
                                     const std::string& new_extension) {
  std::vector<std::string> outputs;
  const bool several = inputs.size() > 1;
  for (const auto& in : inputs) {
    if (IsStdio(in) && several) {
      throw CLI::ValidationError("inputs", "- (standard input) must be the only input");
    }
  }
  if (IsStdio(output) && several) {
    throw CLI::ValidationError("-o", "-o - (standard output) takes a single input");
  }
  if (output.empty()) {
    for (const auto& in : inputs) {
      outputs.push_back(IsStdio(in) ? "-" : ReplaceExtension(in, new_extension));
    }
    return outputs;
  }
  if (IsStdio(output)) return {output};
  const bool is_dir = IsDirectory(output) || (!output.empty() && output.back() == '/');
  if (!is_dir && !several) return {output};
  if (!IsDirectory(output)) {
    struct stat st;
    if (::stat(output.c_str(), &st) == 0) {
      throw CLI::ValidationError("-o", output + " is a file; with several inputs -o must be a folder");
    }
    if (::mkdir(output.c_str(), 0777) != 0) {
      throw CLI::ValidationError(
          "-o", "cannot create folder " + output + ": " + std::strerror(errno));
    }
  }
  const std::string dir = output.back() == '/' ? output : output + "/";
  for (const auto& in : inputs) outputs.push_back(dir + ReplaceExtension(BaseName(in), new_extension));
  return outputs;
}

picnic::Status CheckOutput(const std::string& output, bool force,
                           std::vector<std::string>* already_planned) {
  if (IsStdio(output)) {
    if (::isatty(STDOUT_FILENO)) {
      return picnic::Status(picnic::StatusCode::kInvalidArgument,
                            "not writing binary data to a terminal; redirect standard output "
                            "or give -o FILE");
    }
    return picnic::Status::Ok();
  }
  for (const auto& earlier : *already_planned) {
    if (earlier == output) {
      return picnic::Status(picnic::StatusCode::kInvalidArgument,
                            output + " is also the output of an earlier input; skipping");
    }
  }
  already_planned->push_back(output);
  struct stat st;
  if (!force && ::lstat(output.c_str(), &st) == 0) {
    return picnic::Status(picnic::StatusCode::kIoError,
                          output + " already exists (use -f to overwrite)");
  }
  return picnic::Status::Ok();
}

picnic::Status CheckOutput(const std::string& input, const std::string& output, bool force,
                           std::vector<std::string>* already_planned) {
  struct stat in_st, out_st;
  const bool same = (input == output && !IsStdio(input)) ||
                    (::stat(input.c_str(), &in_st) == 0 && ::stat(output.c_str(), &out_st) == 0 &&
                     in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino);
  if (same) {
    return picnic::Status(picnic::StatusCode::kInvalidArgument,
                          "output " + output + " is the input itself; not overwriting it, even with -f");
  }
  return CheckOutput(output, force, already_planned);
}

void ConvertFiles(CliContext& ctx, const std::vector<std::string>& inputs,
                  const std::string& output, const std::string& new_extension, bool force,
                  const ConvertFn& convert,
                  const std::function<std::string(const picnic::Status&)>& stop_note) {
  const std::vector<std::string> outputs = PlanOutputs(inputs, output, new_extension);
  std::vector<std::string> planned;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& in = inputs[i];
    const std::string& out = outputs[i];
    const picnic::Status output_ok = CheckOutput(in, out, force, &planned);
    if (!output_ok.ok()) {
      ReportError(ctx, in, output_ok);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    picnic::Result<Converted> converted = convert(in, out);
    if (!converted.ok()) {
      ReportError(ctx, in, converted.status());
      const std::string note = stop_note ? stop_note(converted.status()) : std::string();
      if (!note.empty()) {
        if (i + 1 < inputs.size()) {
          Note(ctx, "skipping the other " + std::to_string(inputs.size() - i - 1) +
                        " input(s): " + note);
        }
        return;
      }
      continue;
    }
    const picnic::Status written = WriteOutput(out, converted->bytes, force);
    if (!written.ok()) {
      ReportError(ctx, out, written);
      continue;
    }
    if (ctx.verbosity >= 2) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "picnic: %s -> %s: %s, %.2f s\n", in.c_str(), out.c_str(),
                   converted->summary.c_str(), seconds);
    }
  }
}

picnic::Status WriteOutput(const std::string& path, const std::vector<uint8_t>& bytes,
                           bool force) {
  if (!IsStdio(path)) return picnic::WriteFileAtomic(path, bytes, force);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return picnic::Status(picnic::StatusCode::kIoError,
                            std::string("cannot write standard output: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return picnic::Status::Ok();
}

std::string InputLabel(const std::string& path) {
  return IsStdio(path) ? "standard input" : BaseName(path);
}

void AddMaxPixelsOption(CLI::App* cmd, uint64_t* max_pixels) {
  cmd->add_option("--max-pixels", *max_pixels,
                  "Refuse images with more pixels than this (width x height), before "
                  "allocating anything for them; 0: no limit")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

std::string MetadataSummary(const std::vector<picnic::MetadataChunk>& metadata) {
  if (metadata.empty()) return "none";
  std::string out;
  for (const picnic::MetadataChunk& m : metadata) {
    if (!out.empty()) out += ", ";
    out += m.type + " " + HumanBytes(m.data.size());
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 10000) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 10000000) {
    std::snprintf(buf, sizeof(buf), "%.1f kB", bytes / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  }
  return buf;
}

Progress::Progress(const CliContext& ctx, std::string label, uint64_t pixels)
    : enabled_(ctx.verbosity >= 1 && ::isatty(STDERR_FILENO) == 1),
      pixels_(pixels),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Finish(); }

picnic::ProgressFn Progress::Callback() {
  if (!enabled_) return nullptr;
  return [this](double fraction) { Update(fraction); };
}

void Progress::Update(double fraction) {
  // Short jobs finish before a progress line would help; do not flicker.
  constexpr double kShowAfterSeconds = 0.5;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < kShowAfterSeconds) return;
  const int percent = static_cast<int>(fraction * 100.0);
  if (percent == last_percent_ || percent < 0 || percent > 100) return;
  last_percent_ = percent;
  shown_ = true;
  if (pixels_ > 0 && fraction > 0) {
    const double rate = fraction * static_cast<double>(pixels_) / elapsed;
    const int eta = static_cast<int>(elapsed * (1.0 - fraction) / fraction + 0.5);
    std::fprintf(stderr, "\rpicnic: %s %3d%%  %.0f pixels/s  ETA %d:%02d\033[K", label_.c_str(), percent,
                 rate, eta / 60, eta % 60);
  } else {
    std::fprintf(stderr, "\rpicnic: %s %3d%%", label_.c_str(), percent);
  }
  std::fflush(stderr);
}

void Progress::Finish() {
  if (shown_) {
    std::fprintf(stderr, "\r\033[K");  // erase the progress line
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace picnic_cli
