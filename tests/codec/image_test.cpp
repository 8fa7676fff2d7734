#include "picnic/image.h"

#include <catch2/catch.hpp>
#include <string>

namespace picnic {
namespace {

TEST_CASE("image: layouts and MakeImage", "[image]") {
  CHECK(NumChannels(ChannelLayout::kGray) == 1);
  CHECK(NumChannels(ChannelLayout::kGrayAlpha) == 2);
  CHECK(NumChannels(ChannelLayout::kRgb) == 3);
  CHECK(NumChannels(ChannelLayout::kRgba) == 4);
  CHECK(NumColorChannels(ChannelLayout::kGrayAlpha) == 1);
  CHECK(NumColorChannels(ChannelLayout::kRgba) == 3);
  CHECK(HasAlpha(ChannelLayout::kRgba));
  CHECK_FALSE(HasAlpha(ChannelLayout::kRgb));
  CHECK(std::string(ChannelLayoutName(ChannelLayout::kRgb)) == "rgb");
  CHECK(std::string(ChannelLayoutName(static_cast<ChannelLayout>(9))) == "invalid");

  Image img = MakeImage(5, 3, ChannelLayout::kRgba);
  CHECK(img.pixels.size() == 5 * 3 * 4);
  img.at(2, 4, 3) = 9;
  CHECK(img.pixels.back() == 9);
}

}  // namespace
}  // namespace picnic
