#include "torch_plugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <vector>

namespace {

std::string ExecutableDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

}  // namespace

const TorchPlugin* LoadTorchPlugin(std::string* why) {
  static std::once_flag once;
  static const TorchPlugin* plugin = nullptr;
  static std::string error;
  std::call_once(once, [] {
    const std::string dir = ExecutableDir();
    std::vector<std::string> candidates = {dir + "/" + kTorchPluginFile, dir + "/../lib/picnic/" + kTorchPluginFile};
    std::string tried;
    for (const std::string& path : candidates) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      // Never closed: LibTorch does not expect to be unloaded.
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) {
        const char* e = dlerror();
        error = "cannot load " + path + ": " + (e ? e : "unknown error");
        return;
      }
      using Entry = const TorchPlugin* (*)();
      auto entry = reinterpret_cast<Entry>(dlsym(handle, "picnic_torch_plugin"));
      const TorchPlugin* p = entry ? entry() : nullptr;
      if (p == nullptr || p->abi != kTorchPluginAbi) {
        error = path + " is not a plugin of this picnic build";
        return;
      }
      plugin = p;
      return;
    }
    error = "no LibTorch plugin here (picnic built without LibTorch, or " + tried + " missing)";
  });
  if (plugin == nullptr && why != nullptr) *why = error;
  return plugin;
}
