// PICNIC_EXPORT marks picnic's public API. The libraries are compiled with
// hidden visibility (-fvisibility=hidden, -fvisibility-inlines-hidden), so a
// shared libpicnic_* exports what the headers under include/picnic/ declare
// with this mark and nothing else: internals can change without touching the
// ABI. ELF only, like the rest of picnic; in static libraries it changes
// nothing a program can see.
#ifndef PICNIC_VISIBILITY_H_
#define PICNIC_VISIBILITY_H_

#if defined(__GNUC__) || defined(__clang__)
#define PICNIC_EXPORT [[gnu::visibility("default")]]  // C++11 form: may follow [[nodiscard]]
// For the implementation class (pimpl) nested in an exported class, which
// would otherwise be exported with it.
#define PICNIC_NO_EXPORT [[gnu::visibility("hidden")]]
#else
#define PICNIC_EXPORT
#define PICNIC_NO_EXPORT
#endif

#endif  // PICNIC_VISIBILITY_H_
