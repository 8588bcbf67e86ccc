/*
 * kern_avx2.c — kern_body.h for x86-64 with AVX2 and FMA, in vectors of 8
 * floats; chosen at run time by kernels.c when the CPU has both.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#if defined(__clang__)
#pragma clang attribute push (__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif

#define KERN_X86 1
#define LANES 8
#define KERN_NAME "avx2"
#define KERN_SET ae_kernels_avx2

#include "core/kern_body.h"

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else
/* no AVX2 set on this machine: an object with nothing in it */
typedef int ae_kern_avx2_unused;
#endif
