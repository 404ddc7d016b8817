import pytest

from orders.ratelimit import TokenBucket
from tests.orders.conftest import FakeTime


def test_burst_then_the_documented_rate():
    t = FakeTime()
    bucket = TokenBucket(rate=0.5, burst=3, clock=t.clock, sleep=t.sleep)
    assert [bucket.acquire() for _ in range(3)] == [0, 0, 0]  # the burst is free
    assert bucket.acquire() == pytest.approx(2.0)  # then one token every 2 s
    assert bucket.acquire() == pytest.approx(2.0)
    t.now += 10  # idle time refills, but never above the burst
    assert [bucket.acquire() for _ in range(3)] == [0, 0, 0]
    assert bucket.acquire() == pytest.approx(2.0)


def test_never_exceeds_rate_over_a_long_run():
    t = FakeTime()
    bucket = TokenBucket(rate=1 / 180, burst=20, clock=t.clock, sleep=t.sleep)
    start = t.now
    calls = [(bucket.acquire(), t.now - start)[1] for _ in range(40)]
    # 20 at once, then one per 180 s: 40 calls need at least 20 × 180 s.
    assert calls[19] == 0 and calls[-1] == pytest.approx(20 * 180)
    for window_start in calls:
        in_window = [c for c in calls if window_start <= c < window_start + 180]
        assert len(in_window) <= 20


def test_drain_after_429_and_rate_from_header():
    t = FakeTime()
    bucket = TokenBucket(rate=1, burst=5, clock=t.clock, sleep=t.sleep)
    bucket.drain()
    assert bucket.wait_time() == pytest.approx(1.0)
    bucket.set_rate(0.25)  # x-amzn-RateLimit-Limit: 0.25
    assert bucket.wait_time() == pytest.approx(4.0)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_nonsense_limits_are_refused(rate, burst):
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)
