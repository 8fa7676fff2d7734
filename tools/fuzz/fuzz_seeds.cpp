// Writes seed corpora for the fuzz targets, from valid files:
//   fuzz_seeds OUT_DIR [SOURCE_DIR]
// OUT_DIR/container and OUT_DIR/decode: small images of every layout encoded
// with the histogram model (several tile sizes, batches, precisions), plus
// SOURCE_DIR/tests/golden/*.pnc; OUT_DIR/image_io: small PNG, PPM and PGM
// files; OUT_DIR/range_decoder: inputs in CheckRangeDecoder's layout
// (fuzz_checks.h) whose stream part is a valid encoding.
// Deterministic: the same seeds on every machine.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_checks.h"

namespace {

using picnic::ChannelLayout;

bool WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

picnic::Image SeedImage(int w, int h, ChannelLayout layout, uint32_t seed) {
  picnic::Image img = picnic::MakeImage(w, h, layout);
  std::mt19937 rng(seed);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < img.channels(); ++c) {
        // Smooth plus a little noise: codes to a few bits, like a photo.
        img.at(y, x, c) = static_cast<uint8_t>(x * 9 + y * 5 + c * 60 + rng() % 7);
      }
    }
  }
  return img;
}

int WriteCodecSeeds(const std::string& out) {
  struct Case {
    int w, h;
    ChannelLayout layout;
    int tile, batch, precision;
  };
  // Precisions 12..16 (the narrow range coder) and 17..24 (the wide one);
  // the first six also go through the tiny engine model below.
  const Case cases[] = {
      {1, 1, ChannelLayout::kRgb, 64, 0, 16},      {1, 1, ChannelLayout::kRgba, 0, 0, 12},
      {3, 2, ChannelLayout::kGray, 64, 0, 24},     {7, 5, ChannelLayout::kGrayAlpha, 4, 2, 14},
      {16, 9, ChannelLayout::kRgb, 8, 1, 24},      {20, 12, ChannelLayout::kRgb, 8, 3, 12},
      {9, 17, ChannelLayout::kRgba, 5, 4, 15},     {33, 2, ChannelLayout::kGray, 16, 0, 13},
      {12, 12, ChannelLayout::kRgb, 0, 0, 16},     {6, 6, ChannelLayout::kRgba, 3, 12, 16},
      {10, 7, ChannelLayout::kRgb, 4, 2, 20},      {8, 8, ChannelLayout::kRgba, 8, 0, 24},
  };
  int n = 0;
  for (const Case& c : cases) {
    picnic::EncodeOptions opt;
    opt.tile_size = c.tile;
    opt.tiles_per_batch = c.batch;
    opt.cdf_precision = c.precision;
    opt.threads = 1;
    opt.choose_tile_modes = false;  // the model path; tile modes below
    auto bytes = picnic::Encode(SeedImage(c.w, c.h, c.layout, static_cast<uint32_t>(n)), opt);
    if (!bytes.ok()) {
      std::fprintf(stderr, "fuzz_seeds: %s\n", bytes.status().ToString().c_str());
      return -1;
    }
    const std::string name = "hist_" + std::to_string(n++) + ".pnc";
    if (!WriteBytes(out + "/container/" + name, *bytes) ||
        !WriteBytes(out + "/decode/" + name, *bytes)) {
      return -1;
    }
  }
  // The same kind of images through the exact engine (the tiny model),
  // recalibrated online, half of them with the calibration map (1.6), two
  // of every three with error feedback (1.7), all but the last two with
  // annealed steps (1.8).
  for (int i = 0; i < 6; ++i) {
    const Case& c = cases[i];
    picnic::EncodeOptions opt;
    opt.model = "tiny";
    opt.provider = picnic::fuzz::FuzzProvider();
    opt.tile_size = c.tile;
    opt.tiles_per_batch = c.batch;
    opt.cdf_precision = c.precision;
    opt.threads = 1;
    opt.calibration_map = i % 2 == 0;
    opt.error_feedback = i % 3 != 0;
    opt.annealed = i < 4;
    opt.orientation = i % 8;
    auto bytes = picnic::Encode(SeedImage(c.w, c.h, c.layout, static_cast<uint32_t>(100 + i)), opt);
    if (!bytes.ok()) {
      std::fprintf(stderr, "fuzz_seeds: tiny engine model: %s\n", bytes.status().ToString().c_str());
      return -1;
    }
    const std::string name = "engine_" + std::to_string(i) + ".pnc";
    if (!WriteBytes(out + "/container/" + name, *bytes) || !WriteBytes(out + "/decode/" + name, *bytes)) return -1;
    ++n;
  }
  // A flat image: its payload is empty (the coder's trailing zeros are implicit).
  picnic::Image flat = picnic::MakeImage(10, 10, ChannelLayout::kGray);
  auto flat_bytes = picnic::Encode(flat, {});
  if (!flat_bytes.ok() || !WriteBytes(out + "/decode/flat.pnc", *flat_bytes)) return -1;
  // Format 1.1: metadata chunks in the header.
  picnic::Image meta = SeedImage(6, 4, ChannelLayout::kRgb, 99);
  meta.metadata = {{"gAMA", {0, 0, 0xb1, 0x8f}}, {"tEXt", {'a', 0, 'b'}}, {"prVt", {}}};
  auto meta_bytes = picnic::Encode(meta, {});
  if (!meta_bytes.ok() || !WriteBytes(out + "/container/meta.pnc", *meta_bytes) ||
      !WriteBytes(out + "/decode/meta.pnc", *meta_bytes)) {
    return -1;
  }
  // Format 1.3: tile modes. Graphics in every layout (synthetic tiles beside
  // model tiles), and rows of a random period (the whole image deflated).
  const ChannelLayout layouts[] = {ChannelLayout::kGray, ChannelLayout::kGrayAlpha, ChannelLayout::kRgb,
                                   ChannelLayout::kRgba};
  int modes = 0;
  for (int i = 0; i < 5; ++i) {
    const ChannelLayout layout = layouts[i % 4];
    picnic::Image img = picnic::MakeImage(24, 14, layout);
    std::mt19937 rng(static_cast<uint32_t>(500 + i));
    uint8_t period[4][4];
    for (auto& p : period) {
      for (auto& v : p) v = static_cast<uint8_t>(rng());
    }
    for (int y = 0; y < img.height; ++y) {
      for (int x = 0; x < img.width; ++x) {
        for (int c = 0; c < img.channels(); ++c) {
          uint8_t v = (x / 5 + y / 4) % 3 ? 240 : static_cast<uint8_t>(40 + 30 * c);  // blocks
          if (x >= 16) v = static_cast<uint8_t>(rng());                             // noise
          if (i == 4) v = period[x % 4][c];                                         // periodic rows
          img.at(y, x, c) = v;
        }
      }
    }
    picnic::EncodeOptions opt;
    opt.tile_size = i == 4 ? 64 : 8;
    opt.threads = 1;
    auto bytes = picnic::Encode(img, opt);
    const std::string name = "modes_" + std::to_string(i) + ".pnc";
    if (!bytes.ok() || !WriteBytes(out + "/container/" + name, *bytes) ||
        !WriteBytes(out + "/decode/" + name, *bytes)) {
      return -1;
    }
    ++modes;
  }
  // Format 1.4: an exact enlargement (2 x 3, edge blocks cut short), coded
  // as the image it enlarges in tiles of 8.
  picnic::Image small = SeedImage(12, 9, ChannelLayout::kRgba, 600);
  picnic::Image big = picnic::MakeImage(23, 26, ChannelLayout::kRgba);
  for (int y = 0; y < big.height; ++y) {
    for (int x = 0; x < big.width; ++x) {
      for (int c = 0; c < 4; ++c) big.at(y, x, c) = small.at(y / 3, x / 2, c);
    }
  }
  picnic::EncodeOptions rep_opt;
  rep_opt.tile_size = 8;
  rep_opt.threads = 1;
  auto rep_bytes = picnic::Encode(big, rep_opt);
  if (!rep_bytes.ok() || !WriteBytes(out + "/container/replicated.pnc", *rep_bytes) ||
      !WriteBytes(out + "/decode/replicated.pnc", *rep_bytes)) {
    return -1;
  }
  return n + 3 + modes;
}

int WriteImageSeeds(const std::string& out) {
  int n = 0;
  const ChannelLayout layouts[] = {ChannelLayout::kGray, ChannelLayout::kGrayAlpha,
                                   ChannelLayout::kRgb, ChannelLayout::kRgba};
  for (ChannelLayout layout : layouts) {
    picnic::Image image = SeedImage(5 + n, 3 + n, layout, 100 + n);
    if (n == 2) image.metadata = {{"iCCP", {'p', 0, 0, 0x78, 0x9c}}, {"pHYs", {0, 0, 1, 0, 0, 0, 1, 0, 0}}};
    auto png = picnic::EncodePng(image);
    if (!png.ok() || !WriteBytes(out + "/image_io/seed_" + std::to_string(n++) + ".png", *png)) {
      return -1;
    }
  }
  for (int kind : {5, 6}) {
    const int channels = kind == 5 ? 1 : 3;
    const std::string header = "P" + std::to_string(kind) + "\n# seed\n4 3\n255\n";
    std::vector<uint8_t> bytes(header.begin(), header.end());
    for (int i = 0; i < 4 * 3 * channels; ++i) bytes.push_back(static_cast<uint8_t>(i * 21));
    if (!WriteBytes(out + "/image_io/seed_" + std::to_string(n++) + (kind == 5 ? ".pgm" : ".ppm"),
                    bytes)) {
      return -1;
    }
  }
  return n;
}

// CheckRangeDecoder's input: [num_cdfs - 1, plus 4 for a wide stream] then
// per CDF a kind byte and its parameters, then the stream. The stream here
// encodes random symbols drawn from those CDFs, so the fuzzer starts from
// streams an encoder wrote. Variants 4-7 are wide streams (precisions to 24).
int WriteRangeSeeds(const std::string& out) {
  int n = 0;
  for (int variant = 0; variant < 8; ++variant) {
    std::mt19937 rng(static_cast<uint32_t>(variant + 7));
    const bool wide = variant >= 4;
    const int max_precision = wide ? picnic::kRangeCoderMaxPrecision : picnic::kRangeCoderNarrowMaxPrecision;
    std::vector<uint8_t> program;
    const int num_cdfs = 1 + variant % 4;
    program.push_back(static_cast<uint8_t>(num_cdfs - 1 + (wide ? 4 : 0)));
    for (int i = 0; i < num_cdfs; ++i) {
      if ((variant + i) % 2 == 0) {
        // Raw weights at precision max - i (kind even: precision 1 + (kind >> 1) % max).
        program.push_back(static_cast<uint8_t>(2 * (max_precision - 1 - i)));
        program.push_back(static_cast<uint8_t>(255 - 40 * i));  // 256 - 40i symbols
        const int symbols = 256 - 40 * i;
        for (int s = 0; s < symbols; ++s) {
          program.push_back(static_cast<uint8_t>(s % 16 == 0 ? 200 : rng() % 5));
        }
      } else {
        // The codec's builder (kind odd: precision 12 + (kind >> 1) % (max - 11))
        // on a two-component mixture, at precision max - i % 5.
        program.push_back(static_cast<uint8_t>(1 + 2 * (max_precision - 12 - i % 5)));
        program.push_back(1);  // mixture
        program.push_back(2);
        for (float f : {0.3f, -0.2f, -2.5f, 1.0f, 0.4f, -3.0f}) {
          uint8_t b[4];
          std::memcpy(b, &f, 4);
          program.insert(program.end(), b, b + 4);
        }
      }
    }
    // Parse the program back with the fuzz target's own reader, then encode.
    picnic::fuzz::ByteReader in(program.data(), program.size());
    const int parsed_cdfs = 1 + in.U8() % 4;
    std::vector<picnic::fuzz::FuzzCdf> cdfs;
    for (int i = 0; i < parsed_cdfs; ++i) {
      const uint8_t kind = in.U8();
      if (kind & 1) {
        cdfs.push_back(picnic::fuzz::CodecCdf(
            in, picnic::kMinCdfPrecision + (kind >> 1) % (max_precision - picnic::kMinCdfPrecision + 1)));
      } else {
        cdfs.push_back(picnic::fuzz::RawCdf(in, 1 + (kind >> 1) % max_precision));
      }
    }
    picnic::RangeEncoder enc(max_precision);
    for (int i = 0; i < 200; ++i) {
      const auto& c = cdfs[i % cdfs.size()];
      // Draw from the CDF itself, so the stream has typical length.
      const uint32_t target = static_cast<uint32_t>(rng() % (uint32_t{1} << c.precision));
      int s = 0;
      while (c.cdf[s + 1] <= target) ++s;
      enc.Encode(c.cdf[s], c.cdf[s + 1], c.precision);
    }
    enc.Finalize();
    program.insert(program.end(), enc.bytes().begin(), enc.bytes().end());
    if (!WriteBytes(out + "/range_decoder/seed_" + std::to_string(n++), program)) return -1;
  }
  return n;
}

int CopyGolden(const std::string& source_dir, const std::string& out) {
  const char* names[] = {"gray_alpha_3x4.pnc",
                         "rgb_21x10_tiles8_batch4_p12.pnc",
                         "rgba_19x11_tiles8_batch3_p24.pnc",  // the wide range coder
                         "rgb_7x5.pnc",
                         "rgba_1x1.pnc",
                         "modes_mixed_rgba_40x20_tiles16.pnc",  // synthetic v1 (mode 1), deflate, model
                         "modes_rgba_40x16_synthetic.pnc",
                         "modes3_rgba_40x16_synthetic_v2.pnc",
                         "replicated_rgb_71x47_3x2_tiles12.pnc"};
  int n = 0;
  for (const char* name : names) {
    std::ifstream in(source_dir + "/tests/golden/" + name, std::ios::binary);
    if (!in) continue;
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!WriteBytes(out + "/container/golden_" + name, bytes) ||
        !WriteBytes(out + "/decode/golden_" + name, bytes)) {
      return -1;
    }
    ++n;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR [SOURCE_DIR]\n");
    return 2;
  }
  const std::string out = argv[1];
  std::error_code ec;
  for (const char* sub : {"container", "decode", "image_io", "range_decoder"}) {
    std::filesystem::create_directories(out + "/" + sub, ec);
  }
  const int codec = WriteCodecSeeds(out);
  const int images = WriteImageSeeds(out);
  const int ranges = WriteRangeSeeds(out);
  const int golden = argc == 3 ? CopyGolden(argv[2], out) : 0;
  if (codec < 0 || images < 0 || ranges < 0 || golden < 0) {
    std::fprintf(stderr, "fuzz_seeds: cannot write seeds under %s\n", out.c_str());
    return 1;
  }
  std::printf("fuzz_seeds: %d encoded + %d golden .pnc, %d images, %d range coder streams in %s\n",
              codec, golden, images, ranges, out.c_str());
  return 0;
}
