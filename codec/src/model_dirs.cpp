#include "picnic/model_dirs.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>
#include <filesystem>

namespace picnic {
namespace {

namespace fs = std::filesystem;

// The file picnic's code was loaded from: the shared library libpicnic_codec,
// or the executable it is linked into. Empty if unknown.
fs::path CodeFile(bool* in_shared_library) {
  *in_shared_library = false;
  Dl_info info;
  void* extra = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&ModelSearchDirs), &info, &extra, RTLD_DL_LINKMAP) != 0) {
    const auto* map = static_cast<const struct link_map*>(extra);
    // The executable's own link map has an empty name.
    if (map != nullptr && map->l_name != nullptr && map->l_name[0] != '\0') {
      *in_shared_library = true;
      return map->l_name;
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

bool IsUnder(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(file, ec);
  if (ec) return false;
  const fs::path d = fs::weakly_canonical(dir, ec);
  if (ec || d.empty()) return false;
  const auto rel = f.lexically_relative(d);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::vector<std::string> ModelSearchDirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("PICNIC_WEIGHTS_DIR"); env && *env) dirs.push_back(env);
  bool shared = false;
  const fs::path code = CodeFile(&shared);
#if defined(PICNIC_BUILD_DIR) && defined(PICNIC_SOURCE_WEIGHTS_DIR)
  // A build tree's programs and tests use the source's weights, never an
  // installed copy that may be older.
  const bool build_tree = !code.empty() && IsUnder(code, PICNIC_BUILD_DIR);
  if (build_tree) dirs.push_back(PICNIC_SOURCE_WEIGHTS_DIR);
#else
  const bool build_tree = false;
#endif
  if (!build_tree) {
    // Installed: the prefix the code was found in (so an install moved with
    // `cmake --install --prefix` still finds its weights), then the
    // prefix the build was configured for.
#if defined(PICNIC_LIB_TO_WEIGHTS) && defined(PICNIC_BIN_TO_WEIGHTS)
    if (!code.empty()) {
      dirs.push_back(code.parent_path() / (shared ? PICNIC_LIB_TO_WEIGHTS : PICNIC_BIN_TO_WEIGHTS));
    }
#endif
#ifdef PICNIC_INSTALL_WEIGHTS_DIR
    dirs.push_back(PICNIC_INSTALL_WEIGHTS_DIR);
#endif
  }
  // Each folder once, so that ListModelFiles lists each file once.
  std::vector<std::string> out;
  std::vector<fs::path> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(dir, ec);
    if (ec) key = dir.lexically_normal();
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == key;
    if (dup) continue;
    seen.push_back(key);
    out.push_back(dir.lexically_normal().string());
  }
  return out;
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
