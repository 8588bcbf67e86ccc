#!/usr/bin/env python3
"""
tanh_fit.py — derives the coefficients of kern_body.h's expm1, on which its
tanh and elu rest, and checks the float arithmetic that uses them.

expm1(u), u <= 0, is reduced as the kernels' exp is (u = k ln 2 + r,
|r| <= ln 2 / 2) and put together again as 2^k expm1(r) + (2^k - 1), both
exact in float but the sum's rounding; expm1(r) = r + r^2 C(r).  C is a
polynomial of degree 4 fitted by Remez exchange for the least largest
relative error of expm1(r), the weight r^2 / |expm1(r)|, in mpmath at 40
digits.  The script prints the coefficients as float literals, the fit's
error, and the largest relative error of tanh x = -m / (2 + m),
m = expm1(-2|x|), evaluated as the generic set does (every operation
rounded to float, no FMA) over the unit test's sweep (steps of 0.001)
against tanh in double.

With --rational it also fits the odd rational x P(x^2) / Q(x^2) on
[0, 9.25] (numerator degree 9, denominator 10, relative error; also by
Remez exchange) that tanh was first meant to use, and measures it
evaluated in float and in double: the float one errs by about 2.8e-7,
its rounding in P and Q adding up where many of their terms count, and the
double one costs more than the expm1 above (see kern_body.h).

    python3 test/bench/tanh_fit.py [--rational]

Needs mpmath (Debian: python3-mpmath).
"""
import math
import struct
import sys

import mpmath as mp

mp.mp.dps = 40

LN2_HI = 0.693145751953125
LN2_LO = 1.42860682030941723e-6
LOG2E = 1.44269504088896341
ROUND = 12582912.0          # 1.5 * 2^23
CLAMP = -18.0               # expm1 rounds to -1 below -17.33


def f32(v):
    """v rounded to the nearest float."""
    return struct.unpack('f', struct.pack('f', v))[0]


def extrema(err, grid, n):
    """n alternating extrema of err over grid, around its largest."""
    runs = []
    for i, e in enumerate(err):
        if runs and (runs[-1][0] == (e > 0)):
            if abs(e) > abs(err[runs[-1][1]]):
                runs[-1][1] = i
        else:
            runs.append([e > 0, i])
    idx = [r[1] for r in runs]
    while len(idx) > n:
        idx.pop(0 if abs(err[idx[0]]) < abs(err[idx[-1]]) else -1)
    return [grid[i] for i in idx] if len(idx) == n else None


def fit_expm1(degree=4, points=4000):
    """C(r), degree 'degree', least largest relative error of r + r^2 C(r) on |r| <= ln 2 / 2."""
    R = mp.log(2) / 2 * mp.mpf('1.0002')    # k's rounding widens the range a little
    n = degree + 2

    def c_exact(r):
        return (mp.expm1(r) - r) / r**2

    def weight(r):
        return r**2 / abs(mp.expm1(r))

    # a start off zero, where the relative error vanishes whatever C is
    ref = [R * (mp.mpf('0.99') * mp.cos(mp.pi * (n - 1 - i) / (n - 1)) + mp.mpf('0.005'))
           for i in range(n)]
    grid = [R * (2 * mp.mpf(i) / points - 1) for i in range(points + 1) if 2 * i != points]
    for _ in range(30):
        a = mp.matrix(n, n)
        b = mp.matrix(n, 1)
        for i, r in enumerate(ref):
            for j in range(degree + 1):
                a[i, j] = r**j
            a[i, degree + 1] = (-1)**i / weight(r)
            b[i] = c_exact(r)
        sol = mp.lu_solve(a, b)
        c = [sol[j] for j in range(degree + 1)]
        level = abs(sol[degree + 1])
        err = [weight(r) * (mp.polyval(c[::-1], r) - c_exact(r)) for r in grid]
        worst = max(abs(e) for e in err)
        new = extrema(err, grid, n)
        if new is None or worst - level < level * mp.mpf('1e-6'):
            break
        ref = new
    return c, worst


def tanh_float(coef, a):
    """tanh a, a >= 0, as kern_body.h computes it, every operation rounded to float."""
    u = max(f32(-2 * a), CLAMP)
    k = f32(f32(f32(u * f32(LOG2E)) + ROUND) - ROUND)
    r = f32(u - f32(k * LN2_HI))
    r = f32(r - f32(k * f32(LN2_LO)))
    p = coef[-1]
    for c in reversed(coef[:-1]):
        p = f32(f32(p * r) + c)
    p = f32(r + f32(f32(r * r) * p))
    two_k = 2.0**int(k)
    m = f32(f32(two_k * p) + f32(two_k - 1))
    return f32(-m / f32(2 + m))


def sweep(f, hi=20.0):
    """Largest relative error (absolute below 0.1) of f over (0, hi] in steps of 0.001."""
    worst, where = 0.0, 0.0
    for i in range(1, int(round(hi * 1000)) + 1):
        a = f32(i * 1e-3)
        t = math.tanh(a)
        e = abs(f(a) - t) / max(t, 0.1)
        if e > worst:
            worst, where = e, a
    return worst, where


def fit_rational(m=4, n=5, c=9.25, points=6000):
    """x P(x^2) / Q(x^2), P(0) = Q(0) = 1, least largest relative error on [0, c]."""
    def g(s):
        return mp.tanh(mp.sqrt(s)) / mp.sqrt(s)

    big = mp.mpf(c)**2
    k = m + n
    ref = [(mp.mpf(c) * (1 - mp.cos(mp.pi * (i + 1) / (k + 1))) / 2)**2 for i in range(k + 1)]
    grid = [(mp.mpf(c) * (i + 1) / points)**2 for i in range(points)]
    gs = [g(s) for s in grid]
    p, q = [mp.mpf(1)] * (m + 1), [mp.mpf(1)] + [mp.mpf(0)] * n
    for _ in range(30):
        # linear in P, Q and the level once E Q is taken from the last Q
        for _ in range(30):
            a = mp.matrix(k + 1, k + 1)
            b = mp.matrix(k + 1, 1)
            for i, s in enumerate(ref):
                gi = g(s)
                for j in range(1, m + 1):
                    a[i, j - 1] = s**j
                for j in range(1, n + 1):
                    a[i, m + j - 1] = -gi * s**j
                a[i, k] = -(-1)**i * gi * mp.polyval(q[::-1], s)
                b[i] = gi - 1
            sol = mp.lu_solve(a, b)
            new_q = [mp.mpf(1)] + [sol[m + j - 1] for j in range(1, n + 1)]
            p = [mp.mpf(1)] + [sol[j - 1] for j in range(1, m + 1)]
            moved = max(abs(x - y) for x, y in zip(new_q, q))
            q = new_q
            if moved < mp.mpf('1e-30'):
                break
        level = abs(sol[k])
        err = [mp.polyval(p[::-1], s) / (gv * mp.polyval(q[::-1], s)) - 1 for s, gv in zip(grid, gs)]
        worst = max(abs(e) for e in err)
        new = extrema(err, grid, k + 1)
        if new is None or worst - level < level * mp.mpf('1e-6'):
            break
        ref = new
    assert grid[-1] == big
    return p, q, worst


def rational(p, q, a, rnd, c=9.25):
    """x P(x^2) / Q(x^2) on min(a, c), every operation rounded by rnd."""
    a = min(a, c)
    s = rnd(a * a)

    def horner(cs):
        v = cs[-1]
        for x in reversed(cs[:-1]):
            v = rnd(rnd(v * s) + x)
        return v
    return f32(rnd(rnd(a * horner(p)) / horner(q)))


def main():
    coef, err = fit_expm1()
    coef32 = [f32(float(x)) for x in coef]
    print('expm1(r) = r + r^2 C(r), |r| <= ln 2 / 2; C by Remez, relative error %.2e' % err)
    for j, x in enumerate(coef32):
        print('  C%d = %.9ef' % (j, x))
    worst, where = sweep(lambda a: tanh_float(coef32, a))
    print('tanh = -m / (2 + m) in float over the sweep: %.3e at %.3f' % (worst, where))
    if '--rational' in sys.argv:
        p, q, err = fit_rational()
        print('x P(x^2) / Q(x^2) on [0, 9.25], degrees 9 / 10: relative error %.2e' % err)
        print('  P', ['%.17g' % x for x in p])
        print('  Q', ['%.17g' % x for x in q])
        p64, q64 = [float(x) for x in p], [float(x) for x in q]
        p32, q32 = [f32(x) for x in p64], [f32(x) for x in q64]
        print('  in float over the sweep: %.3e at %.3f' % sweep(lambda a: rational(p32, q32, a, f32)))
        print('  in double over the sweep: %.3e at %.3f'
              % sweep(lambda a: rational(p64, q64, a, lambda v: v)))


if __name__ == '__main__':
    main()
