#include "replication.h"

#include <algorithm>

namespace picnic {
namespace {

// Whether every pixel equals the first of its run of `factor` along x
// (along_x) or y.
bool Replicates(const Image& image, int factor, bool along_x) {
  const size_t nc = static_cast<size_t>(image.channels());
  const size_t row = static_cast<size_t>(image.width) * nc;
  const uint8_t* p = image.pixels.data();
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const int first_y = along_x ? y : y - y % factor;
      const int first_x = along_x ? x - x % factor : x;
      if (first_x == x && first_y == y) continue;
      const uint8_t* a = p + y * row + x * nc;
      const uint8_t* b = p + first_y * row + first_x * nc;
      if (!std::equal(a, a + nc, b)) return false;
    }
  }
  return true;
}

int LargestFactor(const Image& image, bool along_x) {
  const int side = along_x ? image.width : image.height;
  for (int f = std::min(kMaxReplicationSearch, side); f >= 2; --f) {
    if (Replicates(image, f, along_x)) return f;
  }
  return 1;
}

}  // namespace

Replication FindReplication(const Image& image) {
  return Replication{LargestFactor(image, true), LargestFactor(image, false)};
}

Image Reduce(const Image& image, Replication r) {
  Image small = MakeImage(ReducedSide(image.width, r.x), ReducedSide(image.height, r.y), image.layout);
  const int nc = image.channels();
  for (int y = 0; y < small.height; ++y) {
    for (int x = 0; x < small.width; ++x) {
      for (int c = 0; c < nc; ++c) small.at(y, x, c) = image.at(y * r.y, x * r.x, c);
    }
  }
  return small;
}

Image Enlarge(const Image& small, Replication r, int width, int height) {
  Image image = MakeImage(width, height, small.layout);
  const int nc = small.channels();
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < nc; ++c) image.at(y, x, c) = small.at(y / r.y, x / r.x, c);
    }
  }
  return image;
}

}  // namespace picnic
