// Which models the command line can use: the exact engine's integer models
// (NAME.pnq) first, in every build; then the codec's built-in "histogram";
// then, through the LibTorch plugin (loaded only now), the float PixelCNN++
// weights (NAME.pnw or a .pnw path), so files written by the float path
// before the engine existed keep decoding.
#include "command.h"
#include "picnic/engine.h"
#include "torch_plugin.h"

picnic::ModelProvider CliModelProvider() {
  return picnic::EngineModelProvider(
      [](const std::string& name, uint64_t fingerprint) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
        auto builtin = picnic::BuiltinModelProvider()(name, fingerprint);
        if (builtin.ok() || builtin.status().code() != picnic::StatusCode::kModelNotFound) return builtin;
        std::string why;
        const TorchPlugin* plugin = LoadTorchPlugin(&why);
        if (plugin == nullptr) {
          return picnic::Status(picnic::StatusCode::kModelNotFound,
                                builtin.status().message() + " (float models, .pnw, need LibTorch: " + why + ")");
        }
        return plugin->model_provider()(name, fingerprint);
      });
}
