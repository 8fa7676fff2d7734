// Pictures for the HTML page: a downscaled preview of the image and a
// heatmap of the model's bits per pixel, as base64 PNGs.
#ifndef PICNIC_TOOLS_REPORT_PICTURES_H_
#define PICNIC_TOOLS_REPORT_PICTURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "picnic/image.h"

namespace picnic_report {

// Images shown in the HTML page are at most this many pixels on a side.
inline constexpr int kMaxPreviewSide = 384;

std::string Base64(const std::vector<uint8_t>& bytes);

// Box-downscaling factor that brings the longer side to at most kMaxPreviewSide.
int PreviewFactor(const picnic::Image& image);

// The colour channels, box-averaged by `f` (alpha is dropped: the page
// shows what the network sees).
picnic::Image Preview(const picnic::Image& image, int f);

// Bits per pixel ([height * width]), box-averaged by `f`, coloured from 0 to
// the 99th percentile (a few extreme pixels would otherwise flatten the
// rest), which goes to *scale_max.
picnic::Image Heatmap(const std::vector<float>& bits, int width, int height, int f, float* scale_max);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_PICTURES_H_
