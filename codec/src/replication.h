// Pixel replication (FORMAT.md, "Replication field"): an image that is an
// exact nearest-neighbour enlargement, every block of fx x fy pixels one
// colour (pixel art, icons and screenshots scaled up by a whole factor,
// sample images stored at twice their size), is coded as the small image
// it enlarges, at 1/(fx*fy) of the pixels, and enlarged again on decoding.
#ifndef PICNIC_CODEC_REPLICATION_H_
#define PICNIC_CODEC_REPLICATION_H_

#include "picnic/image.h"
#include "picnic/tiling.h"  // ReducedSide

namespace picnic {

struct Replication {
  int x = 1;  // each coded pixel stands for x columns
  int y = 1;  // and y rows
  bool none() const { return x == 1 && y == 1; }
};

// The largest factors up to kMaxReplicationSearch for which `image` is a
// replication: every pixel equals the first pixel of its block (blocks at
// the right and bottom edges may be cut short). Stops at the first
// mismatch, so a photograph costs about one row and one column per factor.
constexpr int kMaxReplicationSearch = 16;
Replication FindReplication(const Image& image);

// The coded image: the first pixel of every block. Metadata is not copied.
Image Reduce(const Image& image, Replication r);
// The inverse: every pixel of `small` repeated over its block, cut to
// width x height. REQUIRES: ReducedSide(width, r.x) == small.width, same for y.
Image Enlarge(const Image& small, Replication r, int width, int height);

}  // namespace picnic

#endif  // PICNIC_CODEC_REPLICATION_H_
