// The LibTorch plugin's entry point (tools/cli/torch_plugin.h): the
// LibTorch commands, and the model search with the float models in it.
#include "command.h"
#include "model_search.h"
#include "picnic/pixelcnn_model.h"
#include "torch_plugin.h"

namespace {

// The float PixelCNN++ weights (NAME.pnw), with nothing behind them.
picnic::ModelProvider FloatModels() { return picnic::TorchModelProvider(nullptr); }

}  // namespace

// The torch commands' model search: the same as the binary's, float models
// at hand.
picnic::ModelProvider CliModelProvider() { return SearchModels(FloatModels()); }

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
  static const TorchPlugin plugin{kTorchPluginAbi, AddCommands, FloatModels};
  return &plugin;
}
