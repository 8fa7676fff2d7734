// Where models (float .pnw and integer .pnq weights) are looked for, in
// order: $PICNIC_WEIGHTS_DIR; then, for programs of picnic's build tree, the
// source tree's weights/; otherwise share/picnic/weights/ of the prefix that
// picnic's code was loaded from (<dir of libpicnic_codec.so>/../share/...,
// or <dir of the executable>/../share/... when linked statically), then of
// the prefix picnic was configured to install to (CMAKE_INSTALL_PREFIX).
#ifndef PICNIC_MODEL_DIRS_H_
#define PICNIC_MODEL_DIRS_H_

#include <string>
#include <vector>

#include "picnic/visibility.h"

namespace picnic {

PICNIC_EXPORT std::vector<std::string> ModelSearchDirs();

// NAME + extension in the first folder that has it, or name_or_path itself
// if it names an existing file. kModelNotFound otherwise.
struct ModelFileLookup {
  bool found = false;
  bool looks_like_path = false;
  std::string path;
};
PICNIC_EXPORT ModelFileLookup FindModelFile(const std::string& name_or_path,
                                            const std::string& extension);
// Every file with that extension in the model folders.
PICNIC_EXPORT std::vector<std::string> ListModelFiles(const std::string& extension);

}  // namespace picnic

#endif  // PICNIC_MODEL_DIRS_H_
