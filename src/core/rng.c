/*
 * rng.c — xoshiro256** with splitmix64 seeding.
 */
#include "core/rng.h"

#include <math.h>

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* One step of splitmix64, used only to spread a seed over the state. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seed the generator. */
void
ae_rng_seed(AeRng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

/* Next 64 random bits. */
uint64_t
ae_rng_next(AeRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1) from the top 53 bits. */
double
ae_rng_uniform(AeRng *rng)
{
	return (ae_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) by rejection (Lemire's threshold). */
uint64_t
ae_rng_below(AeRng *rng, uint64_t n)
{
	uint64_t	threshold = (0 - n) % n;

	for (;;)
	{
		uint64_t	r = ae_rng_next(rng);

		if (r >= threshold)
			return r % n;
	}
}

/* Standard normal deviate by the Box–Muller transform. */
double
ae_rng_normal(AeRng *rng)
{
	double		u1 = 1.0 - ae_rng_uniform(rng);	/* (0, 1]: log is finite */
	double		u2 = ae_rng_uniform(rng);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Fisher–Yates shuffle. */
void
ae_rng_shuffle(AeRng *rng, int *a, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) ae_rng_below(rng, (uint64_t) i + 1);
		int			t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

void
ae_rng_fill_uniform(AeRng *rng, ae_real *a, size_t n, double limit)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (ae_real) ((2 * ae_rng_uniform(rng) - 1) * limit);
}
