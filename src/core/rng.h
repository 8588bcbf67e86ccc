/*
 * rng.h — a small seeded random number generator (xoshiro256**, seeded
 * through splitmix64).  Its whole state is the struct, passed in by the
 * caller, so runs are reproducible and no state is global.
 */
#ifndef AE_RNG_H
#define AE_RNG_H

#include <stdint.h>

#include "core/core.h"

typedef struct AeRng
{
	uint64_t	s[4];
} AeRng;

/* Seed the generator; any 64-bit seed, zero included, gives a valid state. */
void		ae_rng_seed(AeRng *rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t	ae_rng_next(AeRng *rng);

/* Uniform double in [0, 1). */
double		ae_rng_uniform(AeRng *rng);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t	ae_rng_below(AeRng *rng, uint64_t n);

/* Standard normal deviate (Box–Muller). */
double		ae_rng_normal(AeRng *rng);

/* Fill a[0..n) with values drawn uniformly from [-limit, limit): weight initialisation. */
void		ae_rng_fill_uniform(AeRng *rng, ae_real *a, size_t n, double limit);

/* Fisher–Yates shuffle of a[0..n). */
void		ae_rng_shuffle(AeRng *rng, int *a, int n);

#endif							/* AE_RNG_H */
