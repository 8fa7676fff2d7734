#include "picnic/model_dirs.h"

#include <cstdlib>
#include <filesystem>

namespace picnic {
namespace {

std::string ExecutableDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

}  // namespace

std::vector<std::string> ModelSearchDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PICNIC_WEIGHTS_DIR"); env && *env) dirs.push_back(env);
  const std::string exe = ExecutableDir();
  if (!exe.empty()) {
    dirs.push_back(exe + "/../weights");
    dirs.push_back(exe + "/../../weights");  // build/tools/picnic -> source weights/
    dirs.push_back(exe + "/../share/picnic/weights");
  }
#ifdef PICNIC_SOURCE_WEIGHTS_DIR
  dirs.push_back(PICNIC_SOURCE_WEIGHTS_DIR);
#endif
  return dirs;
}

ModelFileLookup FindModelFile(const std::string& name_or_path, const std::string& extension) {
  ModelFileLookup out;
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) {
    out.found = true;
    out.path = name_or_path;
    return out;
  }
  out.looks_like_path = name_or_path.find('/') != std::string::npos ||
                        (name_or_path.size() > 4 && name_or_path.substr(name_or_path.size() - 4) == extension);
  if (out.looks_like_path) return out;
  for (const auto& dir : ModelSearchDirs()) {
    std::string candidate = dir + "/" + name_or_path + extension;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      out.found = true;
      out.path = candidate;
      return out;
    }
  }
  return out;
}

std::vector<std::string> ListModelFiles(const std::string& extension) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& dir : ModelSearchDirs()) {
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == extension) out.push_back(entry.path().string());
    }
  }
  return out;
}

}  // namespace picnic
