// The LibTorch plugin's entry point (tools/cli/torch_plugin.h): the
// LibTorch commands, and the model search with the float models in it.
#include "command.h"
#include "picnic/engine.h"
#include "picnic/pixelcnn_model.h"
#include "torch_plugin.h"

// The torch commands' own model search: integer models, float ones, built-in.
picnic::ModelProvider CliModelProvider() {
  return picnic::EngineModelProvider(picnic::TorchModelProvider(picnic::BuiltinModelProvider()));
}

namespace {

void AddCommands(CLI::App& app, CliContext& ctx) {
  AddTrainCommand(app, ctx);
  AddEvalCommand(app, ctx);
  AddSampleCommand(app, ctx);
  AddReportCommand(app, ctx);
  AddExportCommand(app, ctx);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const TorchPlugin* picnic_torch_plugin() {
  static const TorchPlugin plugin{kTorchPluginAbi, AddCommands, CliModelProvider};
  return &plugin;
}
