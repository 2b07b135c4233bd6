// Which instruction-set variants of the kernels this build compiles. The portable (scalar) variant is
// always there; the AVX2 and AVX-512 variants need
//   - an x86-64 target,
//   - clang, whose `#pragma clang attribute` gives every function of a variant file its `target(...)`
//     attribute (SwiftPM always compiles C with clang), and
//   - glibc >= 2.35, whose libmvec has the 8- and 16-lane exp/log/tanh/sin/cos the variants call
//     (tanhf arrived in 2.35; macOS has no libmvec, so Intel Macs run the portable variant).
// No compiler flag is involved: the package builds with SwiftPM's defaults on every target.
#ifndef MINDVIS_SIMD_VARIANTS_H
#define MINDVIS_SIMD_VARIANTS_H

#include <string.h> // defines __GLIBC__ and __GLIBC_PREREQ on glibc systems

#if defined(__x86_64__) && defined(__clang__) && defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 35)
#define MV_X86_VARIANTS 1
#endif
#endif

// The vocabulary functions of the variants are always inlined, also at -O0: SwiftPM's debug builds
// compile C without optimisation, and a call per vector operation would make the debug kernels crawl.
#define MV_INLINE static inline __attribute__((always_inline))

#endif
