// Runs the batches of a tiled image on several threads. Each thread gets
// its own model instance from the provider, so models need no locking; the
// arithmetic of a batch does not depend on which thread runs it.
#ifndef PICNIC_CODEC_BATCH_RUNNER_H_
#define PICNIC_CODEC_BATCH_RUNNER_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "picnic/threads.h"
#include "picnic/probability_model.h"
#include "picnic/status.h"

namespace picnic {

// Calls run_batch(model, batch_index) for every batch in [0, num_batches),
// on up to `threads` threads. `first_model` serves the first thread; the
// others ask `make_model`. progress(batches_done) is called on the calling
// thread. Returns the first error (by batch index) if any batch fails.
inline Status RunBatches(uint64_t num_batches, int threads,
                         std::unique_ptr<ProbabilityModel> first_model,
                         const std::function<Result<std::unique_ptr<ProbabilityModel>>()>& make_model,
                         const std::function<Status(ProbabilityModel&, uint64_t)>& run_batch,
                         const std::function<void(uint64_t)>& progress) {
  const int workers = static_cast<int>(std::min<uint64_t>(std::max(threads, 1), num_batches));
  if (workers <= 1) {
    for (uint64_t b = 0; b < num_batches; ++b) {
      PICNIC_RETURN_IF_ERROR(run_batch(*first_model, b));
      if (progress) progress(b + 1);
    }
    return Status::Ok();
  }
  std::vector<std::unique_ptr<ProbabilityModel>> models;
  models.push_back(std::move(first_model));
  for (int i = 1; i < workers; ++i) {
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> m, make_model());
    models.push_back(std::move(m));
  }
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable cv;
  uint64_t done = 0;
  int running = workers;
  // The error of the lowest failing batch index; nothing per batch, so the
  // bookkeeping does not grow with the image.
  uint64_t first_failed = num_batches;
  Status first_error;
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) {
    pool.emplace_back([&, i] {
      for (uint64_t b; !failed && (b = next.fetch_add(1)) < num_batches;) {
        Status s;
        try {
          s = run_batch(*models[i], b);
        } catch (const std::exception& e) {
          s = Status(StatusCode::kInternal, std::string("unexpected exception: ") + e.what());
        }
        std::lock_guard<std::mutex> lock(mu);
        if (!s.ok()) {
          if (b < first_failed) {
            first_failed = b;
            first_error = s;
          }
          failed = true;
        }
        ++done;
        cv.notify_one();
      }
      std::lock_guard<std::mutex> lock(mu);
      --running;
      cv.notify_one();
    });
  }
  {
    // One progress call per finished batch, as with one thread (several
    // batches may finish between two wake-ups). The conditions are checked
    // under the lock before each wait, so no notification is lost.
    std::unique_lock<std::mutex> lock(mu);
    uint64_t reported = 0;
    for (;;) {
      while (progress && !failed && reported < done) {
        const uint64_t r = ++reported;
        lock.unlock();
        progress(r);
        lock.lock();
      }
      if (running == 0) break;
      cv.wait(lock);
    }
  }
  for (auto& t : pool) t.join();
  return first_error;
}

}  // namespace picnic

#endif  // PICNIC_CODEC_BATCH_RUNNER_H_
