/*
 * kern_generic.c — the portable kernel set: kern_body.h in vectors of 4
 * floats, which every x86-64 runs as SSE2 and other machines as they can.
 */
#define LANES 4
#define KERN_NAME "generic"
#define KERN_SET ae_kernels_generic

#include "core/kern_body.h"
