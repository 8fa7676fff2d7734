#include "picnic/image.h"

namespace picnic {

int NumChannels(ChannelLayout layout) {
  switch (layout) {
    case ChannelLayout::kGray: return 1;
    case ChannelLayout::kGrayAlpha: return 2;
    case ChannelLayout::kRgb: return 3;
    case ChannelLayout::kRgba: return 4;
  }
  return 0;  // not a layout; callers validate layouts read from files first
}

int NumColorChannels(ChannelLayout layout) {
  switch (layout) {
    case ChannelLayout::kGray:
    case ChannelLayout::kGrayAlpha: return 1;
    case ChannelLayout::kRgb:
    case ChannelLayout::kRgba: return 3;
  }
  return 0;
}

bool HasAlpha(ChannelLayout layout) {
  return layout == ChannelLayout::kGrayAlpha || layout == ChannelLayout::kRgba;
}

const char* ChannelLayoutName(ChannelLayout layout) {
  switch (layout) {
    case ChannelLayout::kGray: return "gray";
    case ChannelLayout::kGrayAlpha: return "gray+alpha";
    case ChannelLayout::kRgb: return "rgb";
    case ChannelLayout::kRgba: return "rgba";
  }
  return "invalid";
}

bool IsAncillaryChunkType(const std::string& type) {
  if (type.size() != 4) return false;
  for (char ch : type) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) return false;
  }
  return type[0] >= 'a' && type[0] <= 'z';
}

Image MakeImage(int width, int height, ChannelLayout layout) {
  Image image;
  image.width = width;
  image.height = height;
  image.layout = layout;
  if (width > 0 && height > 0) image.pixels.assign(image.num_subpixels(), 0);
  return image;
}

}  // namespace picnic
