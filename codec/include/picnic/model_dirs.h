// Where installed models (float .pnw and integer .pnq weights) are looked
// for, in order: $PICNIC_WEIGHTS_DIR, <dir of executable>/../weights,
// <dir of executable>/../../weights (a build tree inside the source tree),
// <dir of executable>/../share/picnic/weights, the source tree's weights/.
#ifndef PICNIC_MODEL_DIRS_H_
#define PICNIC_MODEL_DIRS_H_

#include <string>
#include <vector>

namespace picnic {

std::vector<std::string> ModelSearchDirs();

// NAME + extension in the first folder that has it, or name_or_path itself
// if it names an existing file. kModelNotFound otherwise.
struct ModelFileLookup {
  bool found = false;
  bool looks_like_path = false;
  std::string path;
};
ModelFileLookup FindModelFile(const std::string& name_or_path, const std::string& extension);
// Every file with that extension in the model folders.
std::vector<std::string> ListModelFiles(const std::string& extension);

}  // namespace picnic

#endif  // PICNIC_MODEL_DIRS_H_
