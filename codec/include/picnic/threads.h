// picnic's thread policy, in one place: what a `threads` setting means in
// EncodeOptions, DecodeOptions, the model's evaluation and every command's
// -j/--threads. The codec's internals and the model include this, not the
// public API header.
#ifndef PICNIC_THREADS_H_
#define PICNIC_THREADS_H_

#include "picnic/visibility.h"

namespace picnic {

// `requested` when > 0, else one per core (at most 64).
PICNIC_EXPORT int ResolveThreads(int requested);

}  // namespace picnic

#endif  // PICNIC_THREADS_H_
