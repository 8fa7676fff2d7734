#include "external.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace picnic_report {
namespace {

using picnic::Result;
using picnic::Status;
using picnic::StatusCode;

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + program;
    if (::access(full.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs argv with stdin, stdout and stderr on /dev/null; returns the wall time.
Result<double> RunTool(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return Status(StatusCode::kIoError, "cannot run " + argv[0] + ": " + std::strerror(err));
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status(StatusCode::kIoError, "waitpid failed for " + argv[0]);
  }
  const double seconds = SecondsSince(start);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status(StatusCode::kIoError,
                  argv[0] + " failed (" +
                      (WIFEXITED(wstatus) ? "exit " + std::to_string(WEXITSTATUS(wstatus))
                                          : std::string("killed by a signal")) +
                      ")");
  }
  return seconds;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::vector<std::string> JxlDecode(const std::string& coded) { return {"djxl", coded, "--quiet"}; }

}  // namespace

const std::vector<ExternalCodec>& ExternalCodecs() {
  static const std::vector<ExternalCodec> kTable = {
      // -exact keeps the RGB under transparent pixels: lossless for every subpixel.
      {kWebp, "cwebp", "dwebp", "webp",
       [](const std::string& png, const std::string& coded) -> std::vector<std::string> {
         return {"cwebp", "-quiet", "-lossless", "-exact", "-z", "9", png, "-o", coded};
       },
       [](const std::string& coded) -> std::vector<std::string> { return {"dwebp", "-quiet", coded}; },
       "cwebp/dwebp not installed: no WebP column"},
      {kJxl7, "cjxl", "djxl", "jxl",
       [](const std::string& png, const std::string& coded) -> std::vector<std::string> {
         return {"cjxl", png, coded, "-d", "0", "-e", "7", "--quiet"};
       },
       JxlDecode, "cjxl/djxl not installed: no JPEG-XL columns"},
      {kJxl9, "cjxl", "djxl", "jxl",
       [](const std::string& png, const std::string& coded) -> std::vector<std::string> {
         return {"cjxl", png, coded, "-d", "0", "-e", "9", "--quiet"};
       },
       JxlDecode, "cjxl/djxl not installed: no JPEG-XL columns"},
  };
  return kTable;
}

bool Installed(const ExternalCodec& codec) { return OnPath(codec.encoder) && OnPath(codec.decoder); }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

CodecResult RunExternal(const ExternalCodec& codec, const std::string& png,
                        const std::string& coded, std::string* error) {
  CodecResult r;
  auto enc = RunTool(codec.encode_argv(png, coded));
  if (!enc.ok()) {
    *error = enc.status().message();
    return r;
  }
  auto dec = RunTool(codec.decode_argv(coded));
  if (!dec.ok()) {
    *error = dec.status().message();
    return r;
  }
  r.have = true;
  r.bytes = FileSize(coded);
  r.encode_seconds = enc.value();
  r.decode_seconds = dec.value();
  std::remove(coded.c_str());
  return r;
}

}  // namespace picnic_report
