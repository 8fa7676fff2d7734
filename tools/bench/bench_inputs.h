// The images a benchmark was given on its command line: files as they are,
// folders searched (with their subfolders) for .png, .ppm and .pgm; sorted.
#ifndef PICNIC_TOOLS_BENCH_BENCH_INPUTS_H_
#define PICNIC_TOOLS_BENCH_BENCH_INPUTS_H_

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

inline std::vector<std::string> BenchImageFiles(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    if (std::filesystem::is_directory(in)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(in)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".png" || ext == ".ppm" || ext == ".pgm") files.push_back(e.path().string());
      }
    } else {
      files.push_back(in);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

#endif  // PICNIC_TOOLS_BENCH_BENCH_INPUTS_H_
