#include "measure.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstring>

#include "format.h"
#include "machine.h"
#include "picnic/image_io.h"
#include "picnic/pixelcnn_model.h"
#include "pictures.h"

namespace picnic_report {
namespace {

using picnic::Image;
using picnic::Result;
using picnic::Status;
using picnic::StatusCode;

bool IsPng(const std::vector<uint8_t>& bytes) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSig, 8) == 0;
}

// Fills *row; returns what failed, if anything.
Status Measure(const MeasureOptions& opt, const std::string& path, const std::string& label,
               const picnic::LoadedWeights* weights, const picnic::ModelProvider& provider,
               const Baselines& baselines, const ProgressFactory& progress, Row* row) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, picnic::ReadFileBytes(path));
  const auto png_start = std::chrono::steady_clock::now();
  auto decoded_input = picnic::DecodeImage(bytes.data(), bytes.size(), picnic::kDefaultMaxPixels);
  const double png_seconds = SecondsSince(png_start);
  if (!decoded_input.ok()) return decoded_input.status();
  // Pixels only: metadata would count in picnic's file, not in cwebp's.
  decoded_input->metadata.clear();
  const Image& image = decoded_input.value();
  row->width = image.width;
  row->height = image.height;
  row->layout = image.layout;
  row->subpixels = image.num_subpixels();
  row->color_subpixels =
      static_cast<uint64_t>(image.width) * image.height * picnic::NumColorChannels(image.layout);
  if (IsPng(bytes)) {
    CodecResult& k = row->codecs[kPng];
    k.have = true;
    k.bytes = bytes.size();
    k.decode_seconds = png_seconds;
  }

  // picnic: encode, decode, compare.
  picnic::EncodeOptions enc;
  enc.model = !opt.int_weights_path.empty() ? opt.int_weights_path : weights ? weights->path : opt.model;
  enc.provider = provider;
  enc.tile_size = opt.tile_size;
  enc.tiles_per_batch = opt.tiles_per_batch;
  enc.threads = opt.threads;
  enc.choose_tile_modes = !opt.model_only;
  enc.effort = opt.effort;
  enc.recalibrate = opt.recalibrate;
  enc.calibration_map = opt.calibration_map;
  enc.error_feedback = opt.error_feedback;
  Result<std::vector<uint8_t>> encoded = Status(StatusCode::kInternal, "not encoded");
  {
    enc.progress = progress ? progress(label + " encode") : nullptr;
    const auto start = std::chrono::steady_clock::now();
    encoded = picnic::Encode(image, enc);
    row->codecs[kPicnic].encode_seconds = SecondsSince(start);
    enc.progress = nullptr;
  }
  if (!encoded.ok()) return encoded.status();
  row->codecs[kPicnic].have = true;
  row->codecs[kPicnic].bytes = encoded->size();
  PICNIC_ASSIGN_OR_RETURN(picnic::FileInfo info, picnic::ReadFileInfo(encoded->data(), encoded->size()));
  if (info.model_tiles != info.num_tiles) {
    row->notes.push_back(path + ": " + std::to_string(info.num_tiles - info.model_tiles) + " of " +
                         std::to_string(info.num_tiles) + " tiles coded without the model (" +
                         std::to_string(info.synthetic_tiles) + " synthetic-content, " +
                         std::to_string(info.deflate_tiles) +
                         " deflate): its NLL column is the model's, for comparison (--model-only to code with it)");
  }
  if (info.replication_x != 1 || info.replication_y != 1) {
    row->notes.push_back(path + ": an exact " + std::to_string(info.replication_x) + "x" +
                         std::to_string(info.replication_y) +
                         " enlargement, coded as the image it enlarges: its NLL column is the model's on the "
                         "full image, for comparison (--model-only to code that)");
  }
  picnic::DecodeOptions dec;
  dec.provider = provider;
  dec.threads = opt.threads;
  Result<Image> decoded = Status(StatusCode::kInternal, "not decoded");
  {
    dec.progress = progress ? progress(label + " decode") : nullptr;
    const auto start = std::chrono::steady_clock::now();
    decoded = picnic::Decode(encoded->data(), encoded->size(), dec);
    row->codecs[kPicnic].decode_seconds = SecondsSince(start);
    dec.progress = nullptr;
  }
  if (!decoded.ok()) return decoded.status();
  if (decoded->width != image.width || decoded->height != image.height ||
      decoded->layout != image.layout || decoded->pixels != image.pixels) {
    return Status(StatusCode::kInternal, "round trip FAILED: decoded pixels differ from the original");
  }
  row->verified = true;
  encoded = Status(StatusCode::kInternal, "released");  // memory back before the NLL
  decoded = Status(StatusCode::kInternal, "released");

  // The model's NLL over the file's own tiles and batches, with its own
  // per-image parameters.
  std::vector<float> pixel_bits;
  if (weights) {
    const uint64_t expected = opt.int_weights_path.empty() ? weights->fingerprint : opt.int_fingerprint;
    if (info.model_tiles > 0 && info.model_fingerprint != expected) {
      return Status(StatusCode::kModelError, "the file records fingerprint " + picnic::FingerprintHex(info.model_fingerprint) +
                                                 " but the report coded with " + picnic::FingerprintHex(expected));
    }
    Result<picnic::TiledNll> nll = Status(StatusCode::kInternal, "no NLL");
    {
      const picnic::ScopedTorchThreads threads(opt.threads);
      // In the orientation the file coded (compress -e 3 chooses one).
      const picnic::Image turned = info.orientation == 0 ? picnic::Image{} : picnic::OrientedImage(image, info.orientation);
      nll = picnic::ComputeTiledNll(weights->model, info.orientation == 0 ? image : turned, info.tile_size,
                                    info.tiles_per_batch, info.model_params);
    }
    if (!nll.ok()) return nll.status();
    row->have_nll = true;
    row->nll_bits = nll->total_bits;
    if (opt.pictures) pixel_bits = std::move(nll->pixel_bits);
  }

  // Baselines, from a PNG of the pixels without metadata (cjxl would store
  // some of it).
  if (!baselines.codecs.empty()) {
    const std::string tmp_png = baselines.tmp_dir + "/input.png";
    auto png = picnic::EncodePng(image);
    PICNIC_RETURN_IF_ERROR(png.ok() ? picnic::WriteFileAtomic(tmp_png, png.value(), true) : png.status());
    std::string error;
    for (const ExternalCodec* codec : baselines.codecs) {
      const std::string coded = baselines.tmp_dir + "/out." + codec->extension;
      row->codecs[codec->codec] = RunExternal(*codec, tmp_png, coded, &error);
    }
    std::remove(tmp_png.c_str());
    if (!error.empty()) row->notes.push_back(path + ": baseline skipped: " + error);
  }

  if (opt.pictures) {
    const int f = PreviewFactor(image);
    row->preview_width = (image.width + f - 1) / f;
    auto original = picnic::EncodePng(Preview(image, f));
    if (original.ok()) row->original_png_b64 = Base64(original.value());
    if (!pixel_bits.empty()) {
      auto heat = picnic::EncodePng(Heatmap(pixel_bits, image.width, image.height, f, &row->heatmap_max_bits));
      if (heat.ok()) row->heatmap_png_b64 = Base64(heat.value());
    }
  }
  return Status::Ok();
}

}  // namespace

Row MeasureImage(const MeasureOptions& opt, const std::string& path, const std::string& label,
                 const picnic::LoadedWeights* weights, const picnic::ModelProvider& provider,
                 const Baselines& baselines, const ProgressFactory& progress) {
  Row row;
  row.path = path;
  const Status status = Measure(opt, path, label, weights, provider, baselines, progress, &row);
  if (!status.ok()) {
    row.failed = true;
    row.status = status;
    row.error = status.ToString();
  }
  return row;
}

}  // namespace picnic_report
