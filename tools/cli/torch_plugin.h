// The LibTorch half of the command line is a plugin (picnic-torch.so), so
// that `picnic compress` and `decompress` never load LibTorch: they start in
// milliseconds. The plugin is loaded only for the commands that need it
// (train, eval, sample, report, export; --help lists them) and, lazily, when
// a file needs a float model (.pnw) that the exact engine cannot run.
// The plugin is built from the same tree as `picnic`; kTorchPluginAbi
// guards against pairing one with another build's.
#ifndef PICNIC_TOOLS_CLI_TORCH_PLUGIN_H_
#define PICNIC_TOOLS_CLI_TORCH_PLUGIN_H_

#include <CLI/CLI.hpp>
#include <string>

#include "command.h"
#include "picnic/probability_model.h"

inline constexpr int kTorchPluginAbi = 2;
inline constexpr const char* kTorchPluginFile = "picnic-torch.so";

struct TorchPlugin {
  int abi = kTorchPluginAbi;
  // Adds train, eval, sample, report and export to the command line.
  void (*add_commands)(CLI::App& app, CliContext& ctx) = nullptr;
  // The float PixelCNN++ weights (.pnw), the last step of the model search
  // (model_search.h).
  picnic::ModelProvider (*float_models)() = nullptr;
};

// Defined by the plugin (tools/cli_torch/plugin.cpp).
extern "C" const TorchPlugin* picnic_torch_plugin();

// The commands the plugin adds, for messages when it cannot be loaded.
inline bool IsTorchCommand(const std::string& word) {
  return word == "train" || word == "eval" || word == "sample" || word == "report" || word == "export";
}

// Loads the plugin once per process (beside the executable, or in
// ../lib/picnic when installed); nullptr with *why set when there is none.
const TorchPlugin* LoadTorchPlugin(std::string* why);

#endif  // PICNIC_TOOLS_CLI_TORCH_PLUGIN_H_
