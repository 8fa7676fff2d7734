// Where the synthetic-content model's bits go (tile modes 1 and 3,
// codec/src/synthetic_coder.h), per image, coding each whole image as one
// tile, and how fast it codes:
//   synthetic_bench [--version 1|2] IMAGE...   (default 2, tile mode 3)
// Prints per image: pixels, pixels equal to their W or N neighbour (per
// mille: the encoder's gate for trying this model), escaped pixels (%), bits on the index symbols
// and on escaped channels, bits/subpixel of the payload, the deflate
// payload (tile mode 2) for comparison, and encode and decode times
// (median of 3). Round trips are checked.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "deflate_tile.h"
#include "picnic/image_io.h"
#include "range_coder.h"
#include "synthetic_coder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct DecodeIo {
  picnic::RangeDecoder* decoder;
  int Decode(const uint32_t* cdf, int n, int precision) { return decoder->Decode(cdf, precision, n); }
};

// Encodes, tallying the bits of index symbols and of escaped channels.
struct TallyIo {
  picnic::RangeEncoder encoder;
  double index_bits = 0, escape_bits = 0;
  uint64_t escaped_channels = 0;
  void Encode(const uint32_t* cdf, int symbol, int precision) {
    const double bits = precision - std::log2(static_cast<double>(cdf[symbol + 1] - cdf[symbol]));
    // An index CDF (k + 1 <= 9 symbols) reaches 2^precision by entry 9; a
    // channel CDF (256 symbols, each at least one count) cannot.
    bool index = false;
    for (int i = 1; i <= 9 && !index; ++i) index = cdf[i] == (1u << precision);
    if (index) {
      index_bits += bits;
    } else {
      escape_bits += bits;
      ++escaped_channels;
    }
    encoder.Encode(cdf[symbol], cdf[symbol + 1], precision);
  }
};

// Per mille of pixels equal to their W or N neighbour (the encoder's gate
// for trying the synthetic model, enc_picnic.cpp), whole image.
int RepeatPerMille(const picnic::Image& image) {
  const int nc = image.channels();
  uint64_t repeats = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = &image.pixels[(static_cast<size_t>(y) * image.width + x) * nc];
      const bool w = x > 0 && std::equal(p, p + nc, p - nc);
      const bool n = y > 0 && std::equal(p, p + nc, p - static_cast<size_t>(image.width) * nc);
      repeats += w || n;
    }
  }
  return static_cast<int>(repeats * 1000 / (static_cast<uint64_t>(image.width) * image.height));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int version = 2;
  int first = 1;
  if (argc >= 3 && std::string(argv[1]) == "--version") {
    version = std::atoi(argv[2]);
    first = 3;
  }
  if (argc <= first || (version != 1 && version != 2)) {
    std::fprintf(stderr, "usage: synthetic_bench [--version 1|2] IMAGE...\n");
    return 2;
  }
  std::printf("%-40s %9s %7s %7s %10s %10s %8s %10s %8s %8s\n", "image", "pixels", "rep‰", "esc%", "index B",
              "escape B", "bpsp", "deflate B", "enc s", "dec s");
  double total_bytes = 0, total_deflate = 0;
  for (int i = first; i < argc; ++i) {
    auto image = picnic::ReadImageFile(argv[i]);
    if (!image.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], image.status().ToString().c_str());
      return 1;
    }
    const picnic::Image& img = *image;
    const picnic::TileRect whole{0, 0, img.width, img.height};
    TallyIo tally;
    if (!picnic::CodeSyntheticTile(whole, img, tally, version).ok()) return 1;
    tally.encoder.Finalize();
    const std::vector<uint8_t> bytes = tally.encoder.TakeBytes();
    std::vector<double> enc_s, dec_s;
    for (int r = 0; r < 3; ++r) {
      auto t0 = Clock::now();
      TallyIo io;
      if (!picnic::CodeSyntheticTile(whole, img, io, version).ok()) return 1;
      io.encoder.Finalize();
      enc_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      t0 = Clock::now();
      picnic::Image out = picnic::MakeImage(img.width, img.height, img.layout);
      picnic::RangeDecoder decoder(bytes.data(), bytes.size());
      DecodeIo dio{&decoder};
      if (!picnic::CodeSyntheticTile(whole, out, dio, version).ok() || out.pixels != img.pixels) {
        std::fprintf(stderr, "%s: round trip FAILED\n", argv[i]);
        return 1;
      }
      dec_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    auto deflated = picnic::EncodeDeflateTile(img, whole);
    if (!deflated.ok()) return 1;
    const uint64_t pixels = static_cast<uint64_t>(img.width) * img.height;
    std::string name = argv[i];
    name = name.substr(name.find_last_of('/') + 1);
    std::printf("%-40s %9llu %7d %7.2f %10.0f %10.0f %8.4f %10zu %8.3f %8.3f\n", name.c_str(),
                static_cast<unsigned long long>(pixels), RepeatPerMille(img),
                100.0 * tally.escaped_channels / img.channels() / pixels, tally.index_bits / 8,
                tally.escape_bits / 8, bytes.size() * 8.0 / img.num_subpixels(), deflated->size(),
                Median(enc_s), Median(dec_s));
    total_bytes += bytes.size();
    total_deflate += deflated->size();
  }
  std::printf("total: synthetic %.0f bytes, deflate %.0f bytes\n", total_bytes, total_deflate);
  return 0;
}
