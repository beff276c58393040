"""Choose which requests wait longer, with the Go service's draws.

The n-th draw (n from 1) applies SplitMix64's finalizer (Steele, Lea and
Flood, 2014) to seed + n * GAMMA modulo 2**64 and delays the request when
the result is below ratio * 2**64. One seed therefore gives the same
sequence of decisions here, in the Rust peer and in the Go service.
"""

import itertools
import secrets

GAMMA = 0x9E3779B97F4A7C15
MASK = 2**64 - 1
# Odd constant that separates the seeds of gunicorn workers (the
# 64-bit golden-ratio constant of the R2 sequence).
WORKER_STRIDE = 0xD1B54A32D192ED03


def worker_seed(seed, worker_id):
    """Return the seed of gunicorn worker worker_id (1, 2, ...).

    Worker 1, or a process that gunicorn.conf.py did not number, keeps
    seed, so a single process draws exactly as the Go service does. Seed 0
    stays 0, which means random.
    """
    if seed == 0 or worker_id <= 1:
        return seed
    return _mix((seed + worker_id * WORKER_STRIDE) & MASK) or 1


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class Delayer:
    """Draw delay decisions; safe to share between threads and greenlets.

    Each gunicorn worker process has its own Delayer; give each worker its
    own seed with worker_seed. A zero delay or ratio turns delays off; seed
    0 picks a random seed.
    """

    def __init__(self, delay, ratio, seed):
        self.delay = delay
        off = delay <= 0 or ratio <= 0
        self._always = not off and ratio >= 1
        # ratio < 1 here, so the product stays below 2**64.
        self._threshold = 0 if off or self._always else int(ratio * 2.0**64)
        while seed == 0:
            seed = secrets.randbits(64)
        self.seed = seed & MASK
        # next() on itertools.count is atomic under the GIL, so no lock.
        self._draws = itertools.count(1)

    def draw(self):
        """Return the wait in seconds for the next request, or None."""
        n = next(self._draws)
        if self._always or _mix((self.seed + n * GAMMA) & MASK) < self._threshold:
            return self.delay
        return None
