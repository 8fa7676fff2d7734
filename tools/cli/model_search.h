// The command line's one model search, for every command, in the `picnic`
// binary and in the LibTorch plugin alike: the exact engine's integer models
// (NAME.pnq) first, in every build; then the codec's built-in ones
// ("histogram"); then the float PixelCNN++ weights (NAME.pnw or a .pnw path),
// so that files written by the float path before the engine existed keep
// decoding. Only how the float models are reached differs: the binary loads
// the plugin when it first needs one (models.cpp), the plugin has them.
#ifndef PICNIC_TOOLS_CLI_MODEL_SEARCH_H_
#define PICNIC_TOOLS_CLI_MODEL_SEARCH_H_

#include <memory>
#include <string>
#include <utility>

#include "picnic/engine.h"
#include "picnic/picnic.h"

inline picnic::ModelProvider SearchModels(picnic::ModelProvider float_models) {
  return picnic::EngineModelProvider(
      [float_models = std::move(float_models)](
          const std::string& name, uint64_t fingerprint) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
        auto builtin = picnic::BuiltinModelProvider()(name, fingerprint);
        if (builtin.ok() || builtin.status().code() != picnic::StatusCode::kModelNotFound) return builtin;
        return float_models(name, fingerprint);
      });
}

#endif  // PICNIC_TOOLS_CLI_MODEL_SEARCH_H_
