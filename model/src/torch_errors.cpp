#include "torch_errors.h"

#include <torch/torch.h>

#include <exception>
#include <new>
#include <string>

namespace picnic {

Status CurrentTorchError(const char* doing) {
  try {
    throw;
  } catch (const c10::Error& e) {
    return Status(StatusCode::kModelError, std::string("LibTorch: ") + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, std::string("out of memory while ") + doing);
  } catch (const std::exception& e) {
    return Status(StatusCode::kModelError, e.what());
  } catch (...) {
    return Status(StatusCode::kInternal, std::string("unknown exception while ") + doing);
  }
}

}  // namespace picnic
