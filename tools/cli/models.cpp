// The `picnic` binary's model search (model_search.h), with the float models
// reached through the LibTorch plugin, loaded only when a float model is
// asked for.
#include "command.h"
#include "model_search.h"
#include "torch_plugin.h"

picnic::ModelProvider CliModelProvider() {
  return SearchModels([](const std::string& name,
                         uint64_t fingerprint) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
    std::string why;
    const TorchPlugin* plugin = LoadTorchPlugin(&why);
    if (plugin == nullptr) {
      return picnic::Status(picnic::StatusCode::kModelNotFound,
                            picnic::BuiltinModelProvider()(name, fingerprint).status().message() +
                                " (float models, .pnw, need LibTorch: " + why + ")");
    }
    return plugin->float_models()(name, fingerprint);
  });
}
