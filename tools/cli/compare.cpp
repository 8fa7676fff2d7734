// picnic compare A B (hidden): exit 0 when A and B hold the same pixels in the
// same layout. Either may be PNG, PPM, PGM or .pnc, so round-trip tests can
// compare pixels rather than file bytes (PNG encoders differ).
#include <cstdio>
#include <memory>

#include "command.h"
#include "picnic/image_io.h"

namespace {

struct CompareOptions {
  std::string a;
  std::string b;
};

picnic::Result<picnic::Image> LoadAny(const std::string& path) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, picnic::ReadFileBytes(path));
  auto image = picnic::DecodeImage(bytes.data(), bytes.size(), picnic::kDefaultMaxPixels);
  if (image.ok() || image.status().code() != picnic::StatusCode::kUnsupported) return image;
  picnic::DecodeOptions options;
  options.provider = CliModelProvider();
  return picnic::Decode(bytes.data(), bytes.size(), options);
}

void RunCompare(const CompareOptions& opt, CliContext& ctx) {
  auto a = LoadAny(opt.a);
  if (!a.ok()) return picnic_cli::ReportError(ctx, opt.a, a.status());
  auto b = LoadAny(opt.b);
  if (!b.ok()) return picnic_cli::ReportError(ctx, opt.b, b.status());
  std::string difference;
  if (a->width != b->width || a->height != b->height) {
    difference = "sizes differ: " + std::to_string(a->width) + "x" + std::to_string(a->height) +
                 " vs " + std::to_string(b->width) + "x" + std::to_string(b->height);
  } else if (a->layout != b->layout) {
    difference = std::string("layouts differ: ") + picnic::ChannelLayoutName(a->layout) + " vs " +
                 picnic::ChannelLayoutName(b->layout);
  } else {
    for (size_t i = 0; i < a->pixels.size(); ++i) {
      if (a->pixels[i] != b->pixels[i]) {
        const size_t pixel = i / a->channels();
        difference = "first difference at x=" + std::to_string(pixel % a->width) +
                     " y=" + std::to_string(pixel / a->width) +
                     " channel " + std::to_string(i % a->channels()) + ": " +
                     std::to_string(a->pixels[i]) + " vs " + std::to_string(b->pixels[i]);
        break;
      }
    }
  }
  if (!difference.empty()) {
    std::fprintf(stderr, "picnic: %s and %s differ: %s\n", opt.a.c_str(), opt.b.c_str(),
                 difference.c_str());
    ctx.exit_code = picnic_cli::kExitFailure;
  } else if (ctx.verbosity >= 2) {
    std::fprintf(stderr, "picnic: %s and %s have identical pixels\n", opt.a.c_str(),
                 opt.b.c_str());
  }
}

}  // namespace

void AddCompareCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Exit 0 if two images (PNG, PPM, PGM or .pnc) have identical pixels");
  cmd->group("");  // hidden: a testing aid, not part of the advertised interface
  cmd->add_option("a", opt->a, "First image")->required()->type_name("A");
  cmd->add_option("b", opt->b, "Second image")->required()->type_name("B");
  cmd->callback([opt, &ctx]() { RunCompare(*opt, ctx); });
}
