// Which models the command line can use.
#include "command.h"

#ifdef PICNIC_WITH_TORCH
// ---- Engineer M: learned models -------------------------------------------
// Return a provider that knows the LibTorch models (by name from the weights
// folder, PICNIC_SOURCE_WEIGHTS_DIR, or by weights path) and falls back to
// picnic::BuiltinModelProvider() for "histogram". Until then the CLI offers
// the built-in models only.
picnic::ModelProvider CliModelProvider() { return picnic::BuiltinModelProvider(); }
// ---------------------------------------------------------------------------
#else
picnic::ModelProvider CliModelProvider() { return picnic::BuiltinModelProvider(); }
#endif
