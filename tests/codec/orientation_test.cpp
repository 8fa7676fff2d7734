// Coding orientation (format 1.9): the encoder may code the image transposed
// and/or mirrored; the decoder turns it back.
#include "orientation.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "container.h"
#include "picnic/picnic.h"

namespace picnic {
namespace {

// Every pixel distinct enough to tell where it went: a ramp plus noise.
Image Ramp(int w, int h, ChannelLayout layout, uint32_t seed) {
  Image img = MakeImage(w, h, layout);
  std::mt19937 rng(seed);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < img.channels(); ++c) {
        img.at(y, x, c) = static_cast<uint8_t>(3 * x + 5 * y + 40 * c + static_cast<int>(rng() % 7));
      }
    }
  }
  return img;
}

TEST_CASE("orientation: each of the eight moves pixels as documented and comes back", "[orientation]") {
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kGrayAlpha, ChannelLayout::kRgb,
                               ChannelLayout::kRgba}) {
    const Image img = Ramp(7, 4, layout, 1);
    const int w = img.width, h = img.height;
    for (int o = 0; o < kNumOrientations; ++o) {
      INFO("layout " << int(layout) << " orientation " << o);
      const Image t = Orient(img, o);
      CHECK(t.layout == img.layout);
      CHECK(t.width == (Transposes(o) ? h : w));
      CHECK(t.height == (Transposes(o) ? w : h));
      // The definition, pixel by pixel: transpose, then mirror x, then y.
      for (int y = 0; y < t.height; ++y) {
        for (int x = 0; x < t.width; ++x) {
          const int ux = (o & kOrientationMirrorX) ? t.width - 1 - x : x;
          const int uy = (o & kOrientationMirrorY) ? t.height - 1 - y : y;
          const int sx = Transposes(o) ? uy : ux;
          const int sy = Transposes(o) ? ux : uy;
          for (int c = 0; c < img.channels(); ++c) REQUIRE(t.at(y, x, c) == img.at(sy, sx, c));
        }
      }
      const Image back = Unorient(t, o);
      CHECK(back.width == w);
      CHECK(back.height == h);
      CHECK(back.pixels == img.pixels);
    }
  }
  // Spelled out once: 4 is the transpose, 1 mirrors left to right.
  const Image img = Ramp(3, 2, ChannelLayout::kGray, 2);
  CHECK(Orient(img, 4).at(2, 1, 0) == img.at(1, 2, 0));
  CHECK(Orient(img, 1).at(0, 0, 0) == img.at(0, 2, 0));
  CHECK(Orient(img, 2).at(0, 0, 0) == img.at(1, 0, 0));
  CHECK(Orient(img, 0).pixels == img.pixels);
}

TEST_CASE("orientation: files in every orientation decode to the image", "[orientation]") {
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kRgb, ChannelLayout::kRgba}) {
    const Image img = Ramp(37, 23, layout, 3);
    for (int o = 0; o < kNumOrientations; ++o) {
      INFO("layout " << int(layout) << " orientation " << o);
      EncodeOptions opt;
      opt.tile_size = 16;
      opt.orientation = o;
      auto bytes = Encode(img, opt);
      REQUIRE(bytes.ok());
      auto info = ReadFileInfo(bytes->data(), bytes->size());
      REQUIRE(info.ok());
      CHECK(info->orientation == o);
      CHECK(info->width == 37);
      CHECK(info->height == 23);
      CHECK((info->format_minor == 9) == (o != 0));  // the lowest minor that holds the fields
      for (int threads : {1, 3}) {
        DecodeOptions dopt;
        dopt.threads = threads;
        auto dec = Decode(bytes->data(), bytes->size(), dopt);
        REQUIRE(dec.ok());
        CHECK(dec->width == 37);
        CHECK(dec->height == 23);
        CHECK(dec->pixels == img.pixels);
      }
    }
  }
}

TEST_CASE("orientation: with replication the turned image is the one reduced", "[orientation]") {
  // A 2x1 enlargement of a noisy 9x7 image: transposed it is a 1x2 one.
  const Image small = Ramp(9, 7, ChannelLayout::kRgb, 4);
  Image img = MakeImage(18, 7, ChannelLayout::kRgb);
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 18; ++x)
      for (int c = 0; c < 3; ++c) img.at(y, x, c) = small.at(y, x / 2, c);
  for (int o : {0, 4, 7}) {
    INFO("orientation " << o);
    EncodeOptions opt;
    opt.tile_size = 8;
    opt.orientation = o;
    auto bytes = Encode(img, opt);
    REQUIRE(bytes.ok());
    auto info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->replication_x == (Transposes(o) ? 1 : 2));
    CHECK(info->replication_y == (Transposes(o) ? 2 : 1));
    auto dec = Decode(bytes->data(), bytes->size(), {});
    REQUIRE(dec.ok());
    CHECK(dec->pixels == img.pixels);
  }
}

TEST_CASE("orientation: effort 3 keeps the smallest of the eight", "[orientation]") {
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kRgb}) {
    INFO("layout " << int(layout));
    const Image img = Ramp(41, 19, layout, 5);
    EncodeOptions opt;
    opt.tile_size = 16;
    size_t smallest = SIZE_MAX;
    int best = -1;
    std::vector<size_t> sizes;
    for (int o = 0; o < kNumOrientations; ++o) {
      opt.orientation = o;
      auto bytes = Encode(img, opt);
      REQUIRE(bytes.ok());
      sizes.push_back(bytes->size());
      if (bytes->size() < smallest) {
        smallest = bytes->size();
        best = o;
      }
    }
    // Not all the same, or the search would have nothing to find.
    CHECK(*std::max_element(sizes.begin(), sizes.end()) > smallest);
    opt.orientation = kAutoOrientation;
    opt.effort = 3;
    std::vector<double> progress;
    opt.progress = [&progress](double f) { progress.push_back(f); };
    auto bytes = Encode(img, opt);
    REQUIRE(bytes.ok());
    // The histogram model fits no per-image parameters: effort 3 is the
    // best orientation at effort 1, exactly.
    CHECK(bytes->size() == smallest);
    auto info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->orientation == best);
    auto dec = Decode(bytes->data(), bytes->size(), {});
    REQUIRE(dec.ok());
    CHECK(dec->pixels == img.pixels);
    REQUIRE(!progress.empty());
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    CHECK(progress.front() >= 0.0);
    CHECK(progress.back() == Approx(1.0));
    // Effort 2 samples only images of kMinSampledOrientationSide pixels a
    // side; this one is coded as given, as at effort 1.
    opt.effort = 2;
    bytes = Encode(img, opt);
    REQUIRE(bytes.ok());
    info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->orientation == 0);
  }
}

// Effort 2 (the default) codes the image's centred quarter (half its width
// and height) in each orientation and codes the whole image in the one
// whose quarter came out smallest (the first of equals).
TEST_CASE("orientation: effort 2 keeps the orientation whose centred quarter codes smallest", "[orientation]") {
  bool turned = false;  // a choice other than as given, or the test shows little
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kRgb}) {
    INFO("layout " << int(layout));
    // Flat on the left, noise from x = 90: in the centred quarter (x from
    // 40 to 120) the noise starts 50 pixels in, so mirrored left to right it
    // fills one 32-pixel tile column instead of straddling two.
    Image img = MakeImage(kMinSampledOrientationSide + 32, kMinSampledOrientationSide + 8, layout);
    std::mt19937 rng(9);
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x)
        for (int c = 0; c < img.channels(); ++c)
          img.at(y, x, c) = static_cast<uint8_t>(x < 90 ? 100 + 20 * c : rng() % 256);
    Image quarter = MakeImage(img.width / 2, img.height / 2, layout);
    const int x0 = (img.width - quarter.width) / 2, y0 = (img.height - quarter.height) / 2;
    for (int y = 0; y < quarter.height; ++y)
      for (int x = 0; x < quarter.width; ++x)
        for (int c = 0; c < img.channels(); ++c) quarter.at(y, x, c) = img.at(y0 + y, x0 + x, c);
    EncodeOptions opt;
    opt.tile_size = 32;
    opt.effort = 1;
    size_t smallest = SIZE_MAX;
    int best = -1;
    std::vector<size_t> whole;
    for (int o = 0; o < kNumOrientations; ++o) {
      opt.orientation = o;
      auto q = Encode(quarter, opt);
      REQUIRE(q.ok());
      if (q->size() < smallest) {
        smallest = q->size();
        best = o;
      }
      auto w = Encode(img, opt);
      REQUIRE(w.ok());
      whole.push_back(w->size());
    }
    opt.orientation = kAutoOrientation;
    opt.effort = 2;
    std::vector<double> progress;
    opt.progress = [&progress](double f) { progress.push_back(f); };
    auto bytes = Encode(img, opt);
    REQUIRE(bytes.ok());
    auto info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->orientation == best);
    CHECK(bytes->size() == whole[best]);
    turned = turned || best != 0;
    auto dec = Decode(bytes->data(), bytes->size(), {});
    REQUIRE(dec.ok());
    CHECK(dec->pixels == img.pixels);
    REQUIRE(!progress.empty());
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    CHECK(progress.back() == Approx(1.0));
    // One pixel narrower than the limit: coded as given.
    Image narrow = MakeImage(kMinSampledOrientationSide - 1, img.height, layout);
    for (int y = 0; y < narrow.height; ++y)
      for (int x = 0; x < narrow.width; ++x)
        for (int c = 0; c < img.channels(); ++c) narrow.at(y, x, c) = img.at(y, x, c);
    opt.progress = nullptr;
    bytes = Encode(narrow, opt);
    REQUIRE(bytes.ok());
    info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->orientation == 0);
  }
  CHECK(turned);
}

TEST_CASE("orientation: an orientation outside 0-7 is refused", "[orientation]") {
  const Image img = Ramp(5, 5, ChannelLayout::kRgb, 6);
  for (int o : {-2, 8, 100}) {
    EncodeOptions opt;
    opt.orientation = o;
    CHECK(Encode(img, opt).status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace picnic
