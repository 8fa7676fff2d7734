// Prints PixelCNN++ training and forward throughput (pixels/s) on this
// machine for the shipped configurations, or for one given on the command
// line: torch_throughput [FILTERS RESNET MIX [CROP BATCH [THREADS]]].
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "picnic/mixture_loss.h"
#include "picnic/pixelcnn.h"
#include "picnic/pixelcnn_model.h"  // UseTorchThreads

namespace {

struct Case {
  picnic::PixelCnnConfig config;
  int crop, batch;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  std::vector<Case> cases;
  if (argc >= 4) {
    Case c;
    c.config.nr_filters = std::atoi(argv[1]);
    c.config.nr_resnet = std::atoi(argv[2]);
    c.config.nr_logistic_mix = std::atoi(argv[3]);
    c.crop = argc >= 6 ? std::atoi(argv[4]) : 32;
    c.batch = argc >= 6 ? std::atoi(argv[5]) : 16;
    if (argc >= 7) threads = std::atoi(argv[6]);
    cases.push_back(c);
  } else {
    for (int f : {32, 48, 64}) {
      Case c;
      c.config.nr_filters = f;
      c.config.nr_resnet = 2;
      c.config.nr_logistic_mix = 5;
      c.crop = 32;
      c.batch = 16;
      cases.push_back(c);
    }
  }
  picnic::UseTorchThreads(threads);
  std::printf("threads %d\n", threads);
  std::printf("%8s %7s %4s %5s %6s %10s %12s %14s\n", "filters", "resnet", "mix", "crop", "batch", "params",
              "train px/s", "forward px/s");
  for (const Case& c : cases) {
    torch::manual_seed(0);
    picnic::PixelCnn model(c.config);
    int64_t params = 0;
    for (const auto& p : model->parameters()) params += p.numel();
    torch::optim::Adam opt(model->parameters(), 1e-3);
    torch::Tensor x = torch::rand({c.batch, 3, c.crop, c.crop}) * 2 - 1;
    const double pixels = static_cast<double>(c.batch) * c.crop * c.crop;
    std::vector<double> train, fwd;
    for (int i = 0; i < 6; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      model->train();
      torch::Tensor loss = picnic::BitsPerSubpixel(x, model->forward(x));
      opt.zero_grad();
      loss.backward();
      opt.step();
      auto t1 = std::chrono::steady_clock::now();
      {
        torch::NoGradGuard ng;
        model->eval();
        model->forward(x);
      }
      auto t2 = std::chrono::steady_clock::now();
      if (i == 0) continue;  // warm-up
      train.push_back(pixels / std::chrono::duration<double>(t1 - t0).count());
      fwd.push_back(pixels / std::chrono::duration<double>(t2 - t1).count());
    }
    std::printf("%8d %7d %4d %5d %6d %10lld %12.0f %14.0f\n", c.config.nr_filters, c.config.nr_resnet,
                c.config.nr_logistic_mix, c.crop, c.batch, static_cast<long long>(params), Median(train),
                Median(fwd));
  }
  return 0;
}
