// Which models the command line can use.
#include "command.h"

#ifdef PICNIC_WITH_TORCH
#include "picnic/pixelcnn_model.h"

// The shipped PixelCNN++ weights (weights/NAME.pnw, $PICNIC_WEIGHTS_DIR, or a
// weights path), then the codec's built-in models ("histogram").
picnic::ModelProvider CliModelProvider() {
  return picnic::TorchModelProvider(picnic::BuiltinModelProvider());
}
#else
picnic::ModelProvider CliModelProvider() { return picnic::BuiltinModelProvider(); }
#endif
