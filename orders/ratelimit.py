"""Token-bucket rate limiting per SP-API operation.

Amazon documents a rate (requests per second) and a burst for every operation
(the "Usage plan" tables in each API model). A bucket starts full (burst
tokens) and refills at the rate; a call takes one token or waits for it.
When Amazon sends `x-amzn-RateLimit-Limit`, that is the rate actually granted
to this seller and replaces the documented one.
"""

import threading
import time

# Float rounding on epoch-sized clocks can leave a refilled bucket a hair under one
# token; count that as a token rather than sleeping for a nanosecond again and again.
EPSILON = 1e-6


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst ≥ 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.sleep = sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def _refill(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        with self.lock:
            self._refill()
            return 0.0 if self.tokens >= 1 - EPSILON else (1 - self.tokens) / self.rate

    def acquire(self) -> float:
        """Take one token, sleeping until there is one. Returns the seconds slept."""
        slept = 0.0
        while True:
            with self.lock:
                self._refill()
                if self.tokens >= 1 - EPSILON:
                    self.tokens = max(self.tokens - 1, 0.0)
                    return slept
                wait = max((1 - self.tokens) / self.rate, 0.001)
            self.sleep(wait)
            slept += wait

    def drain(self):
        """After a 429 the quota is spent, whatever our count says."""
        with self.lock:
            self._refill()
            self.tokens = min(self.tokens, 0.0)

    def set_rate(self, rate: float):
        if rate > 0:
            with self.lock:
                self._refill()
                self.rate = float(rate)
