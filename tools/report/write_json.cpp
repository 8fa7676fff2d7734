// --json: every row and the totals, with null for what was not measured.
#include <cmath>
#include <nlohmann/json.hpp>

#include "writers.h"

namespace picnic_report {
namespace {

nlohmann::json Num(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json CodecJson(const CodecResult& k, uint64_t subpixels) {
  if (!k.have) return nullptr;
  return {{"bytes", k.bytes},
          {"bits_per_subpixel", subpixels ? k.bytes * 8.0 / subpixels : 0.0},
          {"encode_seconds", Num(k.encode_seconds)},
          {"decode_seconds", Num(k.decode_seconds)}};
}

}  // namespace

std::string WriteJson(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  nlohmann::json j;
  j["model"] = rc.model_name;
  j["fingerprint"] = rc.fingerprint.empty() ? nlohmann::json(nullptr) : nlohmann::json(rc.fingerprint);
  j["weights"] = rc.weights_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(rc.weights_path);
  j["threads"] = rc.threads;
  j["effective_threads"] = rc.effective_threads;
  j["tile_size"] = rc.tile_size;
  j["tiles_per_batch"] = rc.tiles_per_batch;
  j["effort"] = rc.effort;
  j["recalibrate"] = rc.recalibrate;
  j["calibration_map"] = rc.calibration_map;
  j["error_feedback"] = rc.error_feedback;
  j["picnic_version"] = rc.picnic_version;
  j["machine"] = {{"nproc", rc.nproc}, {"cpu", rc.cpu}};
  j["notes"] = rc.notes;
  nlohmann::json images = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json o;
    o["path"] = r.path;
    o["status"] = r.failed ? "FAILED" : "ok";
    if (!r.error.empty()) o["error"] = r.error;
    o["verified"] = r.verified;
    o["width"] = r.width;
    o["height"] = r.height;
    o["layout"] = picnic::ChannelLayoutName(r.layout);
    o["has_alpha"] = r.has_alpha();
    o["pixels"] = static_cast<uint64_t>(r.width) * r.height;
    o["subpixels"] = r.subpixels;
    o["color_subpixels"] = r.color_subpixels;
    o["file_bytes"] = r.codecs[kPicnic].have ? nlohmann::json(r.codecs[kPicnic].bytes) : nullptr;
    o["file_bits_per_subpixel"] = Num(r.Bpsp(kPicnic));
    o["nll_bits"] = r.have_nll ? nlohmann::json(r.nll_bits) : nullptr;
    o["nll_bits_per_subpixel"] = Num(r.NllBpsp());
    o["overhead_percent"] = Num(r.Overhead() * 100);
    o["encode_seconds"] = Num(r.codecs[kPicnic].encode_seconds);
    o["decode_seconds"] = Num(r.codecs[kPicnic].decode_seconds);
    o["baselines"] = nlohmann::json::object();
    for (int c = kPng; c < kNumCodecs; ++c) o["baselines"][kCodecs[c].key] = CodecJson(r.codecs[c], r.subpixels);
    images.push_back(std::move(o));
  }
  j["images"] = std::move(images);
  nlohmann::json total;
  total["images"] = t.images;
  total["failed"] = t.failed;
  total["pixels"] = t.pixels;
  total["subpixels"] = t.subpixels;
  total["color_subpixels"] = t.color_subpixels;
  total["file_bits_per_subpixel"] = Num(t.Bpsp(kPicnic));
  total["nll_bits_per_subpixel"] = Num(t.NllBpsp());
  total["overhead_percent"] = Num(t.Overhead() * 100);
  total["overhead_images"] = t.overhead_images;
  total["alpha_images"] = t.alpha_images;
  total["encode_seconds"] = t.enc_s[kPicnic];
  total["decode_seconds"] = t.dec_s[kPicnic];
  total["baselines"] = nlohmann::json::object();
  for (int c = kPng; c < kNumCodecs; ++c) {
    if (t.codec_images[c] == 0) {
      total["baselines"][kCodecs[c].key] = nullptr;
      continue;
    }
    total["baselines"][kCodecs[c].key] = {
        {"images", t.codec_images[c]},
        {"subpixels", t.codec_subpixels[c]},
        {"bits_per_subpixel", t.Bpsp(c)},
        {"encode_seconds", t.codec_has_enc[c] ? nlohmann::json(t.enc_s[c]) : nullptr},
        {"decode_seconds", t.dec_s[c]}};
  }
  j["total"] = std::move(total);
  return j.dump(2) + "\n";
}

}  // namespace picnic_report
