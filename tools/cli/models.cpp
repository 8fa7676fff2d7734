// Which models the command line can use: the exact engine's integer models
// (NAME.pnq) first, in every build; then, with LibTorch, the float PixelCNN++
// weights (NAME.pnw or a .pnw path: files written by the float path before
// the engine existed keep decoding); then the codec's built-in "histogram".
#include "command.h"
#include "picnic/engine.h"

#ifdef PICNIC_WITH_TORCH
#include "picnic/pixelcnn_model.h"

picnic::ModelProvider CliModelProvider() {
  return picnic::EngineModelProvider(picnic::TorchModelProvider(picnic::BuiltinModelProvider()));
}
#else
picnic::ModelProvider CliModelProvider() { return picnic::EngineModelProvider(picnic::BuiltinModelProvider()); }
#endif
