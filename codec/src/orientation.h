// Coding orientation (FORMAT.md, "Orientation field"): the encoder may code
// an image transposed and/or mirrored, and the decoder turns it back. The
// model predicts each pixel from the pixels above and to its left, so which
// corner coding starts from, and whether it runs along rows or columns,
// changes the file size (by up to 1.5 % on one photo of photos/valid; the
// best of the eight orientations is 0.18 % smaller than the image as given
// over all 38); the highest effort tries all eight, the default effort 2
// all eight on the image's centred quarter (enc_picnic.cpp). Decoding costs
// one copy.
#ifndef PICNIC_CODEC_ORIENTATION_H_
#define PICNIC_CODEC_ORIENTATION_H_

#include "picnic/image.h"

namespace picnic {

// An orientation is 3 bits, applied in this order: bit 2 transposes the
// image (pixel (x, y) goes to (y, x)), then bit 0 mirrors it left to right
// and bit 1 top to bottom. 0 is the image as given.
constexpr int kOrientationTranspose = 4;
constexpr int kOrientationMirrorX = 1;
constexpr int kOrientationMirrorY = 2;
constexpr int kNumOrientations = 8;

inline bool Transposes(int orientation) { return (orientation & kOrientationTranspose) != 0; }

// The image coded in `orientation` (0..7): a copy, metadata not copied.
Image Orient(const Image& image, int orientation);
// The inverse: Unorient(Orient(image, o), o) has image's pixels.
Image Unorient(const Image& oriented, int orientation);

}  // namespace picnic

#endif  // PICNIC_CODEC_ORIENTATION_H_
