/*
 * kern_avx512.c — kern_body.h for x86-64 with AVX-512 (F, VL, DQ, BW), in
 * vectors of 16 floats; chosen at run time by kernels.c when the CPU and
 * the operating system support it.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#if defined(__clang__)
#pragma clang attribute push (__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
#endif

#define KERN_X86 1
#define LANES 16
#define KERN_NAME "avx512"
#define KERN_SET ae_kernels_avx512

#include "core/kern_body.h"

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else
/* no AVX-512 set on this machine: an object with nothing in it */
typedef int ae_kern_avx512_unused;
#endif
