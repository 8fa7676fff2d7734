// LibTorch reports errors by throwing; picnic returns them as values. Every
// function of the model library that calls LibTorch ends its try block with
//
//   } catch (...) {
//     return CurrentTorchError("evaluating the model");
//   }
//
// and this is the one place that decides what each exception becomes.
#ifndef PICNIC_MODEL_TORCH_ERRORS_H_
#define PICNIC_MODEL_TORCH_ERRORS_H_

#include "picnic/status.h"

namespace picnic {

// The exception being handled, as a Status: LibTorch's c10::Error is
// kModelError ("LibTorch: " and its message without the backtrace),
// std::bad_alloc kLimitExceeded ("out of memory while <doing>"), any other
// std::exception kModelError with its message, anything else kInternal.
// REQUIRES: called inside a catch block.
Status CurrentTorchError(const char* doing);

}  // namespace picnic

#endif  // PICNIC_MODEL_TORCH_ERRORS_H_
