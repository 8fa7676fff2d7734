#include "orientation.h"

#include <cstring>

namespace picnic {
namespace {

// out(x, y) = in(SourceX, SourceY) for out of size w x h: one loop for
// every orientation, each pixel's channels copied together.
Image Remap(const Image& in, int orientation, bool inverse) {
  const bool t = Transposes(orientation);
  const int w = t ? in.height : in.width;
  const int h = t ? in.width : in.height;
  Image out = MakeImage(w, h, in.layout);
  const size_t nc = static_cast<size_t>(in.channels());
  const bool mx = (orientation & kOrientationMirrorX) != 0;
  const bool my = (orientation & kOrientationMirrorY) != 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int sx, sy;
      if (!inverse) {
        // Forward: transpose, then mirror. Undo the mirrors on (x, y), then
        // the transpose.
        const int ux = mx ? w - 1 - x : x;
        const int uy = my ? h - 1 - y : y;
        sx = t ? uy : ux;
        sy = t ? ux : uy;
      } else {
        // Inverse: `in` is the oriented image; (x, y) of the original came
        // from (x, y) transposed, then mirrored in the oriented image's sides.
        const int tx = t ? y : x;
        const int ty = t ? x : y;
        sx = mx ? in.width - 1 - tx : tx;
        sy = my ? in.height - 1 - ty : ty;
      }
      std::memcpy(&out.pixels[(static_cast<size_t>(y) * w + x) * nc],
                  &in.pixels[(static_cast<size_t>(sy) * in.width + sx) * nc], nc);
    }
  }
  return out;
}

}  // namespace

Image Orient(const Image& image, int orientation) { return Remap(image, orientation & 7, false); }

Image Unorient(const Image& oriented, int orientation) { return Remap(oriented, orientation & 7, true); }

}  // namespace picnic
