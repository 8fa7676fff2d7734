#include "pictures.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace picnic_report {

using picnic::Image;

std::string Base64(const std::vector<uint8_t>& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    const uint32_t v = (bytes[i] << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Box-downscaling factor that brings the longer side to at most kMaxPreviewSide.
int PreviewFactor(const Image& image) {
  const int side = std::max(image.width, image.height);
  return (side + kMaxPreviewSide - 1) / kMaxPreviewSide;
}

// The colour channels, box-averaged by `f` (alpha is dropped: the page
// shows what the network sees).
Image Preview(const Image& image, int f) {
  const int cc = picnic::NumColorChannels(image.layout);
  const int w = (image.width + f - 1) / f, h = (image.height + f - 1) / f;
  Image out = picnic::MakeImage(w, h, cc == 1 ? picnic::ChannelLayout::kGray
                                              : picnic::ChannelLayout::kRgb);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < cc; ++c) {
        uint32_t sum = 0, n = 0;
        for (int yy = y * f; yy < std::min(image.height, (y + 1) * f); ++yy) {
          for (int xx = x * f; xx < std::min(image.width, (x + 1) * f); ++xx) {
            sum += image.at(yy, xx, c);
            ++n;
          }
        }
        out.at(y, x, c) = static_cast<uint8_t>((sum + n / 2) / n);
      }
    }
  }
  return out;
}

namespace {

// Viridis, sampled at five stops and interpolated.
std::array<uint8_t, 3> ColourMap(double t) {
  static const double kStops[5][3] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::min(1.0, std::max(0.0, t)) * 4.0;
  const int i = std::min(3, static_cast<int>(t));
  const double u = t - i;
  std::array<uint8_t, 3> rgb;
  for (int c = 0; c < 3; ++c) {
    rgb[c] = static_cast<uint8_t>(std::lround(kStops[i][c] * (1 - u) + kStops[i + 1][c] * u));
  }
  return rgb;
}

}  // namespace

// Bits per pixel, box-averaged by `f`, coloured from 0 to the 99th
// percentile (a few extreme pixels would otherwise flatten the rest).
Image Heatmap(const std::vector<float>& bits, int width, int height, int f, float* scale_max) {
  std::vector<float> sorted(bits);
  const size_t k = std::min(sorted.size() - 1, sorted.size() * 99 / 100);
  std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
  const float top = std::max(1e-3f, sorted[k]);
  *scale_max = top;
  const int w = (width + f - 1) / f, h = (height + f - 1) / f;
  Image out = picnic::MakeImage(w, h, picnic::ChannelLayout::kRgb);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double sum = 0;
      int n = 0;
      for (int yy = y * f; yy < std::min(height, (y + 1) * f); ++yy) {
        for (int xx = x * f; xx < std::min(width, (x + 1) * f); ++xx) {
          sum += bits[static_cast<size_t>(yy) * width + xx];
          ++n;
        }
      }
      const auto rgb = ColourMap(sum / n / top);
      for (int c = 0; c < 3; ++c) out.at(y, x, c) = rgb[c];
    }
  }
  return out;
}

}  // namespace picnic_report
