/*
 * kernels.c — choosing the kernel set for the CPU (see kernels.h).
 */
#include "core/kernels.h"

#include <stddef.h>

/* Can this CPU (and its operating system) run the set of a level? */
static int
cpu_runs(int level)
{
	if (level == 0)
		return 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	if (level == 1)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (level == 2)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
			__builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
			__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	return 0;
}

/* The set of a level, NULL when it cannot run here. */
const AeKernels *
ae_kernels_level(int level)
{
	if (level < 0 || level >= AE_KERNEL_LEVELS || !cpu_runs(level))
		return NULL;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (level == 2)
		return &ae_kernels_avx512;
	if (level == 1)
		return &ae_kernels_avx2;
#endif
	return &ae_kernels_generic;
}

static const AeKernels *chosen;	/* the set in use; NULL until the first call */

/* The widest set that runs, chosen once. */
const AeKernels *
ae_kernels(void)
{
	if (chosen == NULL)
		for (int level = AE_KERNEL_LEVELS - 1; level >= 0 && chosen == NULL; level--)
			chosen = ae_kernels_level(level);
	return chosen;
}

/* Use set k from now on (NULL: the widest again); for tests and benchmarks. */
void
ae_kernels_use(const AeKernels *k)
{
	chosen = k;
}
