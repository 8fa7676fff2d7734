// picnic report PATH... [--model NAME|PATH] [--tile N] [--tiles-per-batch N]
//   [--threads N] [--json FILE] [--csv FILE] [--markdown FILE] [--html FILE]
//   [--no-baselines] [--max-images N] [--every N] [-f]
//
// What picnic really spends on images, against what its model says it should
// spend and against the classical lossless codecs. Per image: picnic's bits
// per subpixel from the real .pnc bytes (header included), the model's NLL
// over the very same tiles, batches and canvases (ComputeTiledNll), the
// overhead between the two (docs/DESIGN.md "The pipeline": it should be small),
// encode and decode wall time, a verified round trip, and PNG as stored,
// WebP lossless and JPEG-XL lossless (-e 7, -e 9) where installed.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "command.h"
#include "picnic/engine.h"
#include "picnic/dataset.h"
#include "picnic/image_io.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

extern char** environ;

namespace {

using picnic::Image;
using picnic::Result;
using picnic::Status;
using picnic::StatusCode;

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string model = kDefaultModelName;
  int tile_size = picnic::kDefaultTileSize;
  int tiles_per_batch = 0;
  int threads = 0;
  std::string json, csv, markdown, html;
  bool no_baselines = false;
  int max_images = 0;
  int every = 1;
  bool force = false;
};

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
// Images shown in the HTML page are at most this many pixels on a side.
constexpr int kMaxPreviewSide = 384;
// Smaller ones (CIFAR: 32x32) are shown enlarged to at least this width.
constexpr int kMinDisplayWidth = 128;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// ---------------------------------------------------------------------------
// Baseline codecs, run as external programs.

enum Codec { kPicnic = 0, kPng, kWebp, kJxl7, kJxl9, kNumCodecs };
const char* const kCodecKeys[kNumCodecs] = {"picnic", "png", "webp", "jxl_e7", "jxl_e9"};
const char* const kCodecTitles[kNumCodecs] = {"picnic", "PNG", "WebP", "JXL e7", "JXL e9"};
const char* const kCodecColours[kNumCodecs] = {"#d62728", "#7f7f7f", "#1f77b4", "#2ca02c",
                                               "#17becf"};

struct CodecResult {
  bool have = false;
  uint64_t bytes = 0;
  double encode_seconds = kNan;  // NaN: not measured (PNG as stored)
  double decode_seconds = kNan;
};

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + program;
    if (::access(full.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs argv with stdin, stdout and stderr on /dev/null; returns the wall time.
Result<double> RunTool(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return Status(StatusCode::kIoError, "cannot run " + argv[0] + ": " + std::strerror(err));
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status(StatusCode::kIoError, "waitpid failed for " + argv[0]);
  }
  const double seconds = SecondsSince(start);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status(StatusCode::kIoError,
                  argv[0] + " failed (" +
                      (WIFEXITED(wstatus) ? "exit " + std::to_string(WEXITSTATUS(wstatus))
                                          : std::string("killed by a signal")) +
                      ")");
  }
  return seconds;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

struct Baselines {
  bool webp = false;  // cwebp and dwebp
  bool jxl = false;   // cjxl and djxl
  std::string tmp_dir;
};

// Encodes `png_path` with an external encoder, times its decoder.
CodecResult RunExternal(const std::vector<std::string>& encode_argv, const std::string& out_path,
                        const std::vector<std::string>& decode_argv, std::string* error) {
  CodecResult r;
  auto enc = RunTool(encode_argv);
  if (!enc.ok()) {
    *error = enc.status().message();
    return r;
  }
  auto dec = RunTool(decode_argv);
  if (!dec.ok()) {
    *error = dec.status().message();
    return r;
  }
  r.have = true;
  r.bytes = FileSize(out_path);
  r.encode_seconds = enc.value();
  r.decode_seconds = dec.value();
  std::remove(out_path.c_str());
  return r;
}

// ---------------------------------------------------------------------------
// One image's measurements.

struct Row {
  std::string path;
  int width = 0, height = 0;
  picnic::ChannelLayout layout = picnic::ChannelLayout::kRgb;
  uint64_t subpixels = 0;        // all channels, alpha included
  uint64_t color_subpixels = 0;  // what the NLL scores
  bool failed = false;
  bool verified = false;
  std::string error;
  StatusCode error_code = StatusCode::kOk;
  bool have_nll = false;
  double nll_bits = 0;
  CodecResult codecs[kNumCodecs];
  std::string heatmap_png_b64, original_png_b64;  // --html only
  float heatmap_max_bits = 0;
  int preview_width = 0;

  bool has_alpha() const { return picnic::HasAlpha(layout); }
  double Bpsp(int c) const {
    return codecs[c].have && subpixels ? codecs[c].bytes * 8.0 / static_cast<double>(subpixels)
                                       : kNan;
  }
  double NllBpsp() const {
    return have_nll && color_subpixels ? nll_bits / static_cast<double>(color_subpixels) : kNan;
  }
  // File bits against NLL bits; meaningless with alpha (not in the NLL).
  double Overhead() const {
    if (!have_nll || has_alpha() || nll_bits <= 0 || !codecs[kPicnic].have) return kNan;
    return codecs[kPicnic].bytes * 8.0 / nll_bits - 1.0;
  }
};

struct Totals {
  size_t images = 0, failed = 0;
  uint64_t pixels = 0, subpixels = 0, color_subpixels = 0;
  // Per codec: bits, subpixels, seconds and image count over the images it has.
  double bits[kNumCodecs] = {}, enc_s[kNumCodecs] = {}, dec_s[kNumCodecs] = {};
  uint64_t codec_subpixels[kNumCodecs] = {};
  size_t codec_images[kNumCodecs] = {};
  bool codec_has_enc[kNumCodecs] = {};
  // NLL over every image with one; overhead over colour-only images.
  double nll_bits = 0;
  uint64_t nll_subpixels = 0;
  double overhead_file_bits = 0, overhead_nll_bits = 0;
  size_t overhead_images = 0, alpha_images = 0;

  double Bpsp(int c) const {
    return codec_subpixels[c] ? bits[c] / static_cast<double>(codec_subpixels[c]) : kNan;
  }
  double NllBpsp() const {
    return nll_subpixels ? nll_bits / static_cast<double>(nll_subpixels) : kNan;
  }
  double Overhead() const {
    return overhead_nll_bits > 0 ? overhead_file_bits / overhead_nll_bits - 1.0 : kNan;
  }
};

Totals ComputeTotals(const std::vector<Row>& rows) {
  Totals t;
  for (const Row& r : rows) {
    if (r.failed) {
      ++t.failed;
      continue;
    }
    ++t.images;
    t.pixels += static_cast<uint64_t>(r.width) * r.height;
    t.subpixels += r.subpixels;
    t.color_subpixels += r.color_subpixels;
    if (r.has_alpha()) ++t.alpha_images;
    for (int c = 0; c < kNumCodecs; ++c) {
      const CodecResult& k = r.codecs[c];
      if (!k.have) continue;
      t.bits[c] += k.bytes * 8.0;
      t.codec_subpixels[c] += r.subpixels;
      ++t.codec_images[c];
      if (!std::isnan(k.encode_seconds)) {
        t.enc_s[c] += k.encode_seconds;
        t.codec_has_enc[c] = true;
      }
      if (!std::isnan(k.decode_seconds)) t.dec_s[c] += k.decode_seconds;
    }
    if (r.have_nll) {
      t.nll_bits += r.nll_bits;
      t.nll_subpixels += r.color_subpixels;
      if (!r.has_alpha()) {
        t.overhead_file_bits += r.codecs[kPicnic].bytes * 8.0;
        t.overhead_nll_bits += r.nll_bits;
        ++t.overhead_images;
      }
    }
  }
  return t;
}

// ---------------------------------------------------------------------------
// Pictures for the HTML page.

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

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string Fmt(const char* format, double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

struct ChartPoint {
  int codec;
  double bpsp, decode_seconds;
};

// Bits per subpixel against decode time (log scale), one dot per codec.
std::string SvgChart(const std::vector<ChartPoint>& points, int width, int height) {
  std::vector<ChartPoint> pts;
  for (const auto& p : points) {
    if (!std::isnan(p.bpsp) && !std::isnan(p.decode_seconds)) pts.push_back(p);
  }
  if (pts.empty()) return "<p>(no codec has both a size and a decode time)</p>";
  double tmin = 1e30, tmax = 0, bmax = 0;
  for (const auto& p : pts) {
    const double t = std::max(p.decode_seconds, 1e-4);
    tmin = std::min(tmin, t);
    tmax = std::max(tmax, t);
    bmax = std::max(bmax, p.bpsp);
  }
  const int d0 = static_cast<int>(std::floor(std::log10(tmin)));
  int d1 = static_cast<int>(std::ceil(std::log10(tmax)));
  if (d1 <= d0) d1 = d0 + 1;
  const double ytop = std::max(1.0, std::ceil(bmax * 1.15));
  const double left = 48, right = 120, top = 14, bottom = 38;
  const double pw = width - left - right, ph = height - top - bottom;
  auto X = [&](double t) {
    return left + (std::log10(std::max(t, 1e-4)) - d0) / (d1 - d0) * pw;
  };
  auto Y = [&](double b) { return top + (1 - b / ytop) * ph; };
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">";
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"#fafafa\" stroke=\"#999\"/>";
  for (int d = d0; d <= d1; ++d) {
    const double x = X(std::pow(10.0, d));
    s << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\"" << top + ph
      << "\" stroke=\"#ddd\"/>";
    char label[32];
    std::snprintf(label, sizeof label, "%g s", std::pow(10.0, d));
    s << "<text x=\"" << x << "\" y=\"" << top + ph + 14 << "\" text-anchor=\"middle\">" << label
      << "</text>";
  }
  const double ystep = ytop <= 4 ? 0.5 : (ytop <= 10 ? 1 : 2);
  for (double b = 0; b <= ytop + 1e-9; b += ystep) {
    s << "<line x1=\"" << left << "\" y1=\"" << Y(b) << "\" x2=\"" << left + pw << "\" y2=\""
      << Y(b) << "\" stroke=\"#ddd\"/>";
    s << "<text x=\"" << left - 4 << "\" y=\"" << Y(b) + 4 << "\" text-anchor=\"end\">" << b
      << "</text>";
  }
  s << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 4
    << "\" text-anchor=\"middle\">decode time (log scale)</text>";
  s << "<text x=\"12\" y=\"" << top + ph / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
    << top + ph / 2 << ")\">bits/subpixel</text>";
  s.precision(2);
  for (const auto& p : pts) {
    const double x = X(p.decode_seconds), y = Y(p.bpsp);
    s << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"5\" fill=\"" << kCodecColours[p.codec]
      << "\"><title>" << kCodecTitles[p.codec] << ": " << p.bpsp << " bits/subpixel, "
      << p.decode_seconds << " s</title></circle>";
  }
  // A legend rather than labels by the dots: close codecs would overlap.
  for (size_t i = 0; i < pts.size(); ++i) {
    const double ly = top + 10 + 16.0 * i;
    s << "<circle cx=\"" << left + pw + 12 << "\" cy=\"" << ly - 4 << "\" r=\"4\" fill=\""
      << kCodecColours[pts[i].codec] << "\"/><text x=\"" << left + pw + 20 << "\" y=\"" << ly
      << "\">" << kCodecTitles[pts[i].codec] << " " << pts[i].bpsp << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// ---------------------------------------------------------------------------
// Machine description (the timings mean little without it).

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "unknown";
}

int Nproc() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

// ---------------------------------------------------------------------------
// Output formats.

nlohmann::json Num(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json CodecJson(const CodecResult& k, uint64_t subpixels) {
  if (!k.have) return nullptr;
  return {{"bytes", k.bytes},
          {"bits_per_subpixel", subpixels ? k.bytes * 8.0 / subpixels : 0.0},
          {"encode_seconds", Num(k.encode_seconds)},
          {"decode_seconds", Num(k.decode_seconds)}};
}

struct ReportContext {
  std::string model_name;
  std::string fingerprint;  // empty: no NLL (model without weights)
  std::string weights_path;
  int threads = 0;
  int effective_threads = 0;
  int tile_size = 0;
  int tiles_per_batch = 0;
  std::vector<std::string> notes;
};

nlohmann::json ToJson(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  nlohmann::json j;
  j["model"] = rc.model_name;
  j["fingerprint"] = rc.fingerprint.empty() ? nlohmann::json(nullptr) : nlohmann::json(rc.fingerprint);
  j["weights"] = rc.weights_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(rc.weights_path);
  j["threads"] = rc.threads;
  j["effective_threads"] = rc.effective_threads;
  j["tile_size"] = rc.tile_size;
  j["tiles_per_batch"] = rc.tiles_per_batch;
  j["picnic_version"] = picnic::VersionString();
  j["machine"] = {{"nproc", Nproc()}, {"cpu", CpuModel()}};
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
    for (int c = kPng; c < kNumCodecs; ++c) o["baselines"][kCodecKeys[c]] = CodecJson(r.codecs[c], r.subpixels);
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
      total["baselines"][kCodecKeys[c]] = nullptr;
      continue;
    }
    total["baselines"][kCodecKeys[c]] = {
        {"images", t.codec_images[c]},
        {"subpixels", t.codec_subpixels[c]},
        {"bits_per_subpixel", t.Bpsp(c)},
        {"encode_seconds", t.codec_has_enc[c] ? nlohmann::json(t.enc_s[c]) : nullptr},
        {"decode_seconds", t.dec_s[c]}};
  }
  j["total"] = std::move(total);
  return j;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string CsvNum(double v) { return std::isnan(v) ? "" : Fmt("%.6g", v); }

std::string ToCsv(const std::vector<Row>& rows, const Totals& t) {
  std::ostringstream s;
  s << "image,status,width,height,layout,pixels,subpixels,file_bytes,file_bits_per_subpixel,"
       "nll_bits_per_subpixel,overhead_percent,encode_seconds,decode_seconds";
  for (int c = kPng; c < kNumCodecs; ++c) {
    s << "," << kCodecKeys[c] << "_bits_per_subpixel," << kCodecKeys[c] << "_encode_seconds,"
      << kCodecKeys[c] << "_decode_seconds";
  }
  s << "\n";
  for (const Row& r : rows) {
    s << CsvField(r.path) << "," << (r.failed ? "FAILED" : "ok") << "," << r.width << ","
      << r.height << "," << picnic::ChannelLayoutName(r.layout) << ","
      << static_cast<uint64_t>(r.width) * r.height << "," << r.subpixels << ","
      << (r.codecs[kPicnic].have ? std::to_string(r.codecs[kPicnic].bytes) : "") << ","
      << CsvNum(r.Bpsp(kPicnic)) << "," << CsvNum(r.NllBpsp()) << ","
      << CsvNum(r.Overhead() * 100) << "," << CsvNum(r.codecs[kPicnic].encode_seconds) << ","
      << CsvNum(r.codecs[kPicnic].decode_seconds);
    for (int c = kPng; c < kNumCodecs; ++c) {
      s << "," << CsvNum(r.Bpsp(c)) << "," << CsvNum(r.codecs[c].encode_seconds) << ","
        << CsvNum(r.codecs[c].decode_seconds);
    }
    s << "\n";
  }
  s << "TOTAL,"
    << (t.failed ? std::to_string(t.failed) + " FAILED" : std::string("ok")) << ",,,,"
    << t.pixels << "," << t.subpixels << ",," << CsvNum(t.Bpsp(kPicnic)) << ","
    << CsvNum(t.NllBpsp()) << "," << CsvNum(t.Overhead() * 100) << "," << CsvNum(t.enc_s[kPicnic])
    << "," << CsvNum(t.dec_s[kPicnic]);
  for (int c = kPng; c < kNumCodecs; ++c) {
    const bool have = t.codec_images[c] > 0;
    s << "," << CsvNum(t.Bpsp(c)) << ","
      << (have && t.codec_has_enc[c] ? CsvNum(t.enc_s[c]) : "") << ","
      << (have ? CsvNum(t.dec_s[c]) : "");
  }
  s << "\n";
  return s.str();
}

// Which codecs to show: picnic always, a baseline when some image has it.
std::vector<int> ShownCodecs(const Totals& t) {
  std::vector<int> out = {kPicnic};
  for (int c = kPng; c < kNumCodecs; ++c) {
    if (t.codec_images[c] > 0) out.push_back(c);
  }
  return out;
}

// "(3 of 4 images)" when a baseline total does not cover every image.
std::string Coverage(const Totals& t, int c) {
  if (t.codec_images[c] == t.images) return "";
  return " (" + std::to_string(t.codec_images[c]) + " of " + std::to_string(t.images) + " images)";
}

std::string SummaryLine(const Totals& t, const ReportContext& rc) {
  std::string s = "model " + rc.model_name;
  if (!rc.fingerprint.empty()) s += " (fingerprint " + rc.fingerprint + ")";
  s += ", tile " + std::to_string(rc.tile_size) + ", " + std::to_string(rc.effective_threads) +
       " thread" + (rc.effective_threads == 1 ? "" : "s") + "; " + std::to_string(t.images) +
       " image" + (t.images == 1 ? "" : "s") + ", " + std::to_string(t.pixels) + " pixels; " +
       std::to_string(Nproc()) + " x " + CpuModel();
  return s;
}

std::string ToMarkdown(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  const std::vector<int> shown = ShownCodecs(t);
  std::ostringstream s;
  s << "| codec | bits/subpixel | encode s | decode s |\n|---|---:|---:|---:|\n";
  for (int c : shown) {
    s << "| " << kCodecTitles[c] << Coverage(t, c) << " | " << Fmt("%.3f", t.Bpsp(c)) << " | "
      << (t.codec_has_enc[c] ? Fmt("%.2f", t.enc_s[c]) : "–") << " | "
      << Fmt("%.2f", t.dec_s[c]) << " |\n";
  }
  if (!std::isnan(t.NllBpsp())) {
    s << "| model NLL | " << Fmt("%.3f", t.NllBpsp()) << " | | |\n";
  }
  s << "\n";
  s << "| image | size | picnic | NLL | overhead |";
  for (int c : shown) {
    if (c != kPicnic) s << " " << kCodecTitles[c] << " |";
  }
  s << " picnic enc s | picnic dec s |\n|---|---|---:|---:|---:|";
  for (size_t i = 1; i < shown.size(); ++i) s << "---:|";
  s << "---:|---:|\n";
  for (const Row& r : rows) {
    s << "| " << picnic_cli::BaseName(r.path) << (r.has_alpha() ? " (alpha)" : "") << " | "
      << r.width << "×" << r.height << " | ";
    if (r.failed) {
      s << "FAILED |";
      for (size_t i = 0; i < shown.size() + 3; ++i) s << " |";
      s << "\n";
      continue;
    }
    s << Fmt("%.3f", r.Bpsp(kPicnic)) << " | " << Fmt("%.3f", r.NllBpsp()) << " | "
      << Fmt("%+.2f%%", r.Overhead() * 100) << " |";
    for (int c : shown) {
      if (c != kPicnic) s << " " << Fmt("%.3f", r.Bpsp(c)) << " |";
    }
    s << " " << Fmt("%.2f", r.codecs[kPicnic].encode_seconds) << " | "
      << Fmt("%.2f", r.codecs[kPicnic].decode_seconds) << " |\n";
  }
  s << "| **total** | " << t.images << (t.images == 1 ? " image" : " images") << " | **" << Fmt("%.3f", t.Bpsp(kPicnic)) << "** | "
    << Fmt("%.3f", t.NllBpsp()) << " | " << Fmt("%+.2f%%", t.Overhead() * 100) << " |";
  for (int c : shown) {
    if (c != kPicnic) s << " " << Fmt("%.3f", t.Bpsp(c)) << " |";
  }
  s << " " << Fmt("%.2f", t.enc_s[kPicnic]) << " | " << Fmt("%.2f", t.dec_s[kPicnic]) << " |\n\n";
  s << "Bits per subpixel = coded bytes × 8 / subpixels (alpha included where present); "
       "picnic's from the real .pnc file, header included; NLL over the same tiles, "
       "colour channels only; overhead = file bits / NLL bits − 1, colour-only images. "
       "Times are wall seconds; PNG decode is libpng in-process, WebP and JPEG-XL are "
       "dwebp/djxl processes. "
    << SummaryLine(t, rc) << ".\n";
  for (const auto& note : rc.notes) s << "\nNote: " << note << "\n";
  return s.str();
}

std::vector<ChartPoint> RowPoints(const Row& r) {
  std::vector<ChartPoint> pts;
  for (int c = 0; c < kNumCodecs; ++c) {
    if (r.codecs[c].have) pts.push_back({c, r.Bpsp(c), r.codecs[c].decode_seconds});
  }
  return pts;
}

std::string ToHtml(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  const std::vector<int> shown = ShownCodecs(t);
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>picnic report</title>\n"
       "<style>body{font-family:sans-serif;margin:1.5em;color:#222}"
       "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
       "padding:2px 8px;text-align:right}th{background:#eee}td:first-child{text-align:left}"
       ".img{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}"
       ".img figure{margin:0}figcaption{font-size:12px;color:#555;max-width:520px}"
       ".failed{color:#c00;font-weight:bold}.bar{height:10px;width:200px;display:inline-block;"
       "vertical-align:middle;background:linear-gradient(to right,"
       "#440154,#3b528b,#21918c,#5ec962,#fde725)}"
       "img{image-rendering:pixelated}</style></head><body>\n";
  s << "<h1>picnic report</h1>\n<p>" << HtmlEscape(SummaryLine(t, rc)) << ".</p>\n";
  for (const auto& note : rc.notes) s << "<p>Note: " << HtmlEscape(note) << "</p>\n";
  s << "<h2>Total</h2>\n<table><tr><th>codec</th><th>bits/subpixel</th><th>encode s</th>"
       "<th>decode s</th></tr>\n";
  for (int c : shown) {
    s << "<tr><td>" << kCodecTitles[c] << HtmlEscape(Coverage(t, c)) << "</td><td>"
      << Fmt("%.3f", t.Bpsp(c)) << "</td><td>"
      << (t.codec_has_enc[c] ? Fmt("%.2f", t.enc_s[c]) : "–") << "</td><td>"
      << Fmt("%.3f", t.dec_s[c]) << "</td></tr>\n";
  }
  s << "<tr><td>model NLL</td><td>" << Fmt("%.3f", t.NllBpsp()) << "</td><td></td><td></td></tr>\n";
  s << "</table>\n<p>picnic overhead (file bits / NLL bits − 1, colour-only images): "
    << Fmt("%+.2f%%", t.Overhead() * 100) << "; " << t.failed << " round trip(s) FAILED.</p>\n";
  std::vector<ChartPoint> total_points;
  for (int c : shown) total_points.push_back({c, t.Bpsp(c), t.dec_s[c]});
  s << SvgChart(total_points, 560, 320) << "\n";
  s << "<p style=\"font-size:12px;color:#555\">Bits per subpixel = coded bytes × 8 / "
       "subpixels; picnic's from the real file. Decode times are wall seconds summed over the "
       "images (PNG: libpng in-process; WebP, JPEG-XL: dwebp/djxl processes). Heatmaps: "
       "the model's bits per pixel (all colour channels), from 0 (dark) to the image's 99th "
       "percentile (yellow) — where the model is surprised.</p>\n";
  s << "<h2>Images</h2>\n";
  for (const Row& r : rows) {
    s << "<h3>" << HtmlEscape(r.path) << "</h3>\n<p>" << r.width << "×" << r.height << " "
      << picnic::ChannelLayoutName(r.layout);
    if (r.failed) {
      s << " <span class=\"failed\">FAILED: " << HtmlEscape(r.error) << "</span></p>\n";
      continue;
    }
    s << ", round trip verified; picnic " << Fmt("%.3f", r.Bpsp(kPicnic)) << " bits/subpixel, NLL "
      << Fmt("%.3f", r.NllBpsp()) << ", overhead " << Fmt("%+.2f%%", r.Overhead() * 100)
      << (r.has_alpha() ? " (alpha coded apart from the NLL)" : "") << "; encode "
      << Fmt("%.2f", r.codecs[kPicnic].encode_seconds) << " s, decode "
      << Fmt("%.2f", r.codecs[kPicnic].decode_seconds) << " s.</p>\n<div class=\"img\">";
    std::string width_attr;
    if (r.preview_width > 0 && r.preview_width < kMinDisplayWidth) {
      const int zoom = (kMinDisplayWidth + r.preview_width - 1) / r.preview_width;
      width_attr = " width=\"" + std::to_string(r.preview_width * zoom) + "\"";
    }
    if (!r.original_png_b64.empty()) {
      s << "<figure><img alt=\"image\"" << width_attr << " src=\"data:image/png;base64," << r.original_png_b64
        << "\"><figcaption>image</figcaption></figure>";
    }
    if (!r.heatmap_png_b64.empty()) {
      s << "<figure><img alt=\"bits per pixel\"" << width_attr << " src=\"data:image/png;base64," << r.heatmap_png_b64
        << "\"><figcaption>bits per pixel: 0 <span class=\"bar\"></span> "
        << Fmt("%.1f", r.heatmap_max_bits) << "+</figcaption></figure>";
    } else {
      s << "<figure><figcaption>(no heatmap: model " << HtmlEscape(rc.model_name)
        << " has no NLL)</figcaption></figure>";
    }
    s << "<figure>" << SvgChart(RowPoints(r), 420, 260) << "</figure></div>\n";
  }
  s << "</body></html>\n";
  return s.str();
}

void PrintTable(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  std::printf("%s\n", SummaryLine(t, rc).c_str());
  std::printf("%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s\n", "status", "picnic", "NLL",
              "overhead", "enc s", "dec s", "PNG", "WebP", "JXL e7", "JXL e9", "size", "image");
  auto cell = [](double v, const char* f) { return Fmt(f, v); };
  for (const Row& r : rows) {
    const std::string size = std::to_string(r.width) + "x" + std::to_string(r.height) +
                             (r.has_alpha() ? "+a" : "");
    if (r.failed) {
      std::printf("%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s: %s\n", "FAILED", "", "",
                  "", "", "", "", "", "", "", size.c_str(), r.path.c_str(), r.error.c_str());
      continue;
    }
    std::string overhead = cell(r.Overhead() * 100, "%+.2f%%");
    if (r.has_alpha() && r.have_nll) overhead = "alpha*";
    std::printf("%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s\n", "verified",
                cell(r.Bpsp(kPicnic), "%.3f").c_str(), cell(r.NllBpsp(), "%.3f").c_str(),
                overhead.c_str(), cell(r.codecs[kPicnic].encode_seconds, "%.2f").c_str(),
                cell(r.codecs[kPicnic].decode_seconds, "%.2f").c_str(),
                cell(r.Bpsp(kPng), "%.3f").c_str(), cell(r.Bpsp(kWebp), "%.3f").c_str(),
                cell(r.Bpsp(kJxl7), "%.3f").c_str(), cell(r.Bpsp(kJxl9), "%.3f").c_str(),
                size.c_str(), r.path.c_str());
  }
  const std::string status = t.failed ? std::to_string(t.failed) + " FAIL" : "total";
  // "*": the baseline's total covers only some images (see the decode line).
  auto total_cell = [&](int c) {
    return Fmt("%.3f", t.Bpsp(c)) + (t.codec_images[c] > 0 && t.codec_images[c] < t.images ? "*" : "");
  };
  std::printf("%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %zu image%s, %" PRIu64
              " subpixels\n",
              status.c_str(), Fmt("%.3f", t.Bpsp(kPicnic)).c_str(), Fmt("%.3f", t.NllBpsp()).c_str(),
              Fmt("%+.2f%%", t.Overhead() * 100).c_str(), Fmt("%.2f", t.enc_s[kPicnic]).c_str(),
              Fmt("%.2f", t.dec_s[kPicnic]).c_str(), total_cell(kPng).c_str(),
              total_cell(kWebp).c_str(), total_cell(kJxl7).c_str(), total_cell(kJxl9).c_str(), "",
              t.images, t.images == 1 ? "" : "s", t.subpixels);
  std::printf("decode seconds (sum):");
  for (int c : ShownCodecs(t)) {
    std::printf(" %s %s%s", kCodecTitles[c], Fmt("%.3f", t.dec_s[c]).c_str(),
                Coverage(t, c).c_str());
  }
  std::printf("\n");
  if (t.alpha_images > 0 && !std::isnan(t.NllBpsp())) {
    std::printf("alpha*: the file also holds alpha, which the NLL does not score; the total "
                "overhead is over the %zu colour-only image%s\n",
                t.overhead_images, t.overhead_images == 1 ? "" : "s");
  }
  for (const auto& note : rc.notes) std::printf("note: %s\n", note.c_str());
}

// ---------------------------------------------------------------------------

// Encodes with the report's weights (in memory by path, so that a weights
// file outside the weights folders decodes in this process too), and
// everything else through the CLI's provider.
picnic::ModelProvider ReportProvider(const std::string& model_arg, const std::string& weights_path,
                                     uint64_t fingerprint) {
  picnic::ModelProvider base = CliModelProvider();
  if (weights_path.empty()) return base;
  return [=](const std::string& name,
             uint64_t fp) -> Result<std::unique_ptr<picnic::ProbabilityModel>> {
    if (fp == fingerprint || (fp == 0 && (name == model_arg || name == weights_path))) {
      PICNIC_ASSIGN_OR_RETURN(picnic::LoadedWeights w, picnic::LoadWeights(weights_path));
      if (w.fingerprint != fingerprint) {
        return Status(StatusCode::kModelError, weights_path + " changed while the report ran");
      }
      return std::unique_ptr<picnic::ProbabilityModel>(new picnic::PixelCnnModel(std::move(w)));
    }
    return base(name, fp);
  };
}

bool IsPng(const std::vector<uint8_t>& bytes) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSig, 8) == 0;
}

void MeasureImage(const ReportOptions& opt, const std::string& path, size_t index, size_t count,
                  const picnic::LoadedWeights* weights, const picnic::ModelProvider& provider,
                  const Baselines& baselines, CliContext& ctx, Row* row) {
  row->path = path;
  auto fail = [&](const Status& status) {
    row->failed = true;
    row->error = status.ToString();
    row->error_code = status.code();
    picnic_cli::ReportError(ctx, path, status);
  };
  auto bytes = picnic::ReadFileBytes(path);
  if (!bytes.ok()) return fail(bytes.status());
  const auto png_start = std::chrono::steady_clock::now();
  auto decoded_input = picnic::DecodeImage(bytes->data(), bytes->size(), picnic::kDefaultMaxPixels);
  const double png_seconds = SecondsSince(png_start);
  if (!decoded_input.ok()) return fail(decoded_input.status());
  // Pixels only: metadata would count in picnic's file, not in cwebp's.
  decoded_input->metadata.clear();
  const Image& image = decoded_input.value();
  row->width = image.width;
  row->height = image.height;
  row->layout = image.layout;
  row->subpixels = image.num_subpixels();
  row->color_subpixels =
      static_cast<uint64_t>(image.width) * image.height * picnic::NumColorChannels(image.layout);
  const bool input_is_png = IsPng(bytes.value());
  if (input_is_png) {
    CodecResult& k = row->codecs[kPng];
    k.have = true;
    k.bytes = bytes->size();
    k.decode_seconds = png_seconds;
  }
  const std::string label = "[" + std::to_string(index + 1) + "/" + std::to_string(count) + "] " +
                            picnic_cli::BaseName(path);

  // picnic: encode, decode, compare.
  picnic::EncodeOptions enc;
  enc.model = weights ? weights->path : opt.model;
  enc.provider = provider;
  enc.tile_size = opt.tile_size;
  enc.tiles_per_batch = opt.tiles_per_batch;
  enc.threads = opt.threads;
  Result<std::vector<uint8_t>> encoded = Status(StatusCode::kInternal, "not encoded");
  {
    picnic_cli::Progress progress(ctx, label + " encode");
    enc.progress = progress.Callback();
    const auto start = std::chrono::steady_clock::now();
    encoded = picnic::Encode(image, enc);
    row->codecs[kPicnic].encode_seconds = SecondsSince(start);
  }
  if (!encoded.ok()) return fail(encoded.status());
  row->codecs[kPicnic].have = true;
  row->codecs[kPicnic].bytes = encoded->size();
  auto info = picnic::ReadFileInfo(encoded->data(), encoded->size());
  if (!info.ok()) return fail(info.status());
  picnic::DecodeOptions dec;
  dec.provider = provider;
  dec.threads = opt.threads;
  Result<Image> decoded = Status(StatusCode::kInternal, "not decoded");
  {
    picnic_cli::Progress progress(ctx, label + " decode");
    dec.progress = progress.Callback();
    const auto start = std::chrono::steady_clock::now();
    decoded = picnic::Decode(encoded->data(), encoded->size(), dec);
    row->codecs[kPicnic].decode_seconds = SecondsSince(start);
  }
  if (!decoded.ok()) return fail(decoded.status());
  if (decoded->width != image.width || decoded->height != image.height ||
      decoded->layout != image.layout || decoded->pixels != image.pixels) {
    return fail(Status(StatusCode::kInternal, "round trip FAILED: decoded pixels differ from the original"));
  }
  row->verified = true;
  encoded = Status(StatusCode::kInternal, "released");  // memory back before the NLL
  decoded = Status(StatusCode::kInternal, "released");

  // The model's NLL over the file's own tiles and batches.
  std::vector<float> pixel_bits;
  if (weights) {
    if (info->model_fingerprint != weights->fingerprint) {
      return fail(Status(StatusCode::kModelError,
                         "the file records fingerprint " + Hex16(info->model_fingerprint) +
                             " but the NLL weights have " + Hex16(weights->fingerprint)));
    }
    torch::set_num_threads(opt.threads > 0 ? opt.threads : Nproc());
    auto nll = picnic::ComputeTiledNll(weights->model, image, info->tile_size, info->tiles_per_batch);
    torch::set_num_threads(1);
    if (!nll.ok()) return fail(nll.status());
    row->have_nll = true;
    row->nll_bits = nll->total_bits;
    if (!opt.html.empty()) pixel_bits = std::move(nll->pixel_bits);
  }

  // Baselines, from a PNG of the pixels without metadata (cjxl would store
  // some of it).
  if (!opt.no_baselines && (baselines.webp || baselines.jxl)) {
    const std::string tmp_png = baselines.tmp_dir + "/input.png";
    auto png = picnic::EncodePng(image);
    Status written = png.ok() ? picnic::WriteFileAtomic(tmp_png, png.value(), true) : png.status();
    if (!written.ok()) return fail(written);
    const std::string webp = baselines.tmp_dir + "/out.webp";
    const std::string jxl = baselines.tmp_dir + "/out.jxl";
    std::string error;
    if (baselines.webp) {
      // -exact keeps the RGB under transparent pixels: lossless for every subpixel.
      row->codecs[kWebp] = RunExternal({"cwebp", "-quiet", "-lossless", "-exact", "-z", "9",
                                        tmp_png, "-o", webp},
                                       webp, {"dwebp", "-quiet", webp}, &error);
    }
    if (baselines.jxl) {
      row->codecs[kJxl7] = RunExternal({"cjxl", tmp_png, jxl, "-d", "0", "-e", "7", "--quiet"}, jxl,
                                       {"djxl", jxl, "--quiet"}, &error);
      row->codecs[kJxl9] = RunExternal({"cjxl", tmp_png, jxl, "-d", "0", "-e", "9", "--quiet"}, jxl,
                                       {"djxl", jxl, "--quiet"}, &error);
    }
    std::remove(tmp_png.c_str());
    if (!error.empty()) picnic_cli::Note(ctx, path + ": baseline skipped: " + error);
  }

  if (!opt.html.empty()) {
    const int f = PreviewFactor(image);
    row->preview_width = (image.width + f - 1) / f;
    auto original = picnic::EncodePng(Preview(image, f));
    if (original.ok()) row->original_png_b64 = Base64(original.value());
    if (!pixel_bits.empty()) {
      auto heat = picnic::EncodePng(
          Heatmap(pixel_bits, image.width, image.height, f, &row->heatmap_max_bits));
      if (heat.ok()) row->heatmap_png_b64 = Base64(heat.value());
    }
  }
}

std::string AvailableModels() {
  std::string out = "Installed models: histogram (built in, no NLL)";
  for (const auto& path : picnic::ListWeights()) out += "\n  " + path;
  return out;
}

void RunReport(const ReportOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  // Outputs first: no work that cannot be written.
  std::vector<std::string> planned;
  for (const std::string* out : {&opt.json, &opt.csv, &opt.markdown, &opt.html}) {
    if (out->empty()) continue;
    const Status ok = picnic_cli::CheckOutput(*out, opt.force, &planned);
    if (!ok.ok()) return ReportError(ctx, "", ok);
  }

  auto listed = picnic::ListImageFiles(opt.inputs);
  if (!listed.ok()) return ReportError(ctx, "", listed.status());
  std::vector<std::string> files;
  for (size_t i = 0; i < listed->size(); i += opt.every) files.push_back((*listed)[i]);
  if (opt.max_images > 0 && files.size() > static_cast<size_t>(opt.max_images)) {
    files.resize(opt.max_images);
  }
  if (files.empty()) {
    return ReportError(ctx, "", Status(StatusCode::kInvalidArgument,
                                       "no images (.png, .ppm, .pgm) found"));
  }

  // The model: weights (with an NLL) or a built-in model (without).
  ReportContext rc;
  rc.threads = opt.threads;
  rc.effective_threads = opt.threads > 0 ? opt.threads : Nproc();
  rc.tile_size = opt.tile_size;
  rc.tiles_per_batch = opt.tiles_per_batch;
  std::unique_ptr<picnic::LoadedWeights> weights;
  auto weights_path = picnic::FindWeights(opt.model);
  if (weights_path.ok()) {
    auto loaded = picnic::LoadWeights(weights_path.value());
    if (!loaded.ok()) return ReportError(ctx, "", loaded.status());
    weights = std::make_unique<picnic::LoadedWeights>(std::move(loaded).value());
    rc.model_name = weights->name;
    rc.fingerprint = Hex16(weights->fingerprint);
    rc.weights_path = weights->path;
  } else {
    auto builtin = picnic::BuiltinModelProvider()(opt.model, 0);
    if (!builtin.ok()) return ReportError(ctx, "", weights_path.status());
    rc.model_name = opt.model;
    rc.notes.push_back("model " + opt.model + " has no network, so no NLL: NLL columns are n/a");
  }
  picnic::ModelProvider provider = ReportProvider(
      opt.model, weights ? weights->path : "", weights ? weights->fingerprint : 0);
  // Files are coded as compress codes them: by the exact engine when the
  // model has integer weights (NAME.pnq); the NLL stays the float model's.
  if (weights) {
    auto int_path = picnic::FindIntWeights(opt.model);
    if (int_path.ok()) {
      auto iw = picnic::LoadIntWeights(int_path.value());
      if (!iw.ok()) return ReportError(ctx, "", iw.status());
      provider = CliModelProvider();
      rc.notes.push_back("files coded by the exact integer engine (" + int_path.value() + ", fingerprint " +
                         Hex16(iw->fingerprint) + "); NLL from the float weights " + weights->path);
    }
  }

  Baselines baselines;
  if (!opt.no_baselines) {
    baselines.webp = OnPath("cwebp") && OnPath("dwebp");
    baselines.jxl = OnPath("cjxl") && OnPath("djxl");
    if (!baselines.webp) rc.notes.push_back("cwebp/dwebp not installed: no WebP column");
    if (!baselines.jxl) rc.notes.push_back("cjxl/djxl not installed: no JPEG-XL columns");
    if (baselines.webp || baselines.jxl) {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/picnic_report.XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        return ReportError(ctx, "", Status(StatusCode::kIoError,
                                           "cannot create a temporary folder: " +
                                               std::string(std::strerror(errno))));
      }
      baselines.tmp_dir = pattern;
    }
  } else {
    rc.notes.push_back("baselines skipped (--no-baselines)");
  }
  for (const auto& n : rc.notes) picnic_cli::Note(ctx, n);

  std::vector<Row> rows(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    MeasureImage(opt, files[i], i, files.size(), weights.get(), provider, baselines, ctx, &rows[i]);
    if (ctx.verbosity >= 2 && !rows[i].failed) {
      std::fprintf(stderr, "picnic: %s: %.4f bits/subpixel, %.2f s encode, %.2f s decode\n",
                   files[i].c_str(), rows[i].Bpsp(kPicnic), rows[i].codecs[kPicnic].encode_seconds,
                   rows[i].codecs[kPicnic].decode_seconds);
    }
    // A missing model fails every image the same way: stop after the first.
    if (rows[i].failed && rows[i].error_code == StatusCode::kModelNotFound) {
      rows.resize(i + 1);
      break;
    }
  }
  if (!baselines.tmp_dir.empty()) ::rmdir(baselines.tmp_dir.c_str());

  const Totals totals = ComputeTotals(rows);
  PrintTable(rows, totals, rc);
  std::fflush(stdout);
  auto write = [&](const std::string& path, const std::string& text) {
    if (path.empty()) return;
    const Status s = picnic::WriteFileAtomic(path, std::vector<uint8_t>(text.begin(), text.end()),
                                             true);
    if (!s.ok()) ReportError(ctx, path, s);
  };
  write(opt.json, ToJson(rows, totals, rc).dump(2) + "\n");
  write(opt.csv, ToCsv(rows, totals));
  write(opt.markdown, ToMarkdown(rows, totals, rc));
  write(opt.html, ToHtml(rows, totals, rc));
  if (totals.failed > 0 && ctx.exit_code == picnic_cli::kExitOk) {
    ctx.exit_code = picnic_cli::kExitFailure;
  }
}

}  // namespace

void AddReportCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Measure picnic against its model's NLL and against PNG, WebP and JPEG-XL");
  cmd->footer([]() {
    return "Per image and in total: bits per subpixel of the real .pnc file (header "
           "included), the model's NLL over the same tiles, the overhead between them, encode "
           "and decode seconds, a verified round trip (else the row says FAILED and the exit "
           "status is 1), and PNG as stored, WebP lossless (cwebp -lossless -exact -z 9) and "
           "JPEG-XL lossless (cjxl -d 0 -e 7, -e 9) where installed. Pixels only: PNG metadata "
           "is left out of picnic's file and of the baselines' input.\n"
           "Examples:\n"
           "  picnic report photos/valid --json report.json --html report.html\n"
           "  picnic report cifar10/test --every 5 --tile 0 --markdown table.md\n"
           "  picnic report --model /tmp/w/photo.pnw a.png b.png\n" +
           AvailableModels();
  });
  cmd->add_option("inputs", opt->inputs, "Images, or folders searched recursively")
      ->required()
      ->type_name("PATH");
  cmd->add_option("-m,--model", opt->model,
                  "Model: a name (weights/NAME.pnw, or histogram) or a weights file")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("--tile", opt->tile_size, "Tile size in pixels (0: one tile)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  cmd->add_option("--tiles-per-batch", opt->tiles_per_batch,
                  "Tiles coded together in one batch (0: let the codec choose)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-j,--threads", opt->threads, "Threads for coding and the NLL (0: all cores)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--json", opt->json, "Also write the report as JSON")->type_name("FILE");
  cmd->add_option("--csv", opt->csv, "Also write one CSV row per image, and a total row")
      ->type_name("FILE");
  cmd->add_option("--markdown", opt->markdown, "Also write Markdown tables (for the README)")
      ->type_name("FILE");
  cmd->add_option("--html", opt->html,
                  "Also write one self-contained page: images, bits-per-pixel heatmaps, charts")
      ->type_name("FILE");
  cmd->add_flag("--no-baselines", opt->no_baselines, "Skip WebP and JPEG-XL");
  cmd->add_option("--max-images", opt->max_images, "Stop after N images (0: all)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 30));
  cmd->add_option("--every", opt->every, "Take every Nth file of the sorted list")
      ->type_name("N")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing --json/--csv/--markdown/--html files");
  cmd->callback([opt, &ctx]() { RunReport(*opt, ctx); });
}
