"""The limiter allows N questions per sliding window per user, and says when to retry."""

import pytest

from bot.chat.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_the_limit_then_refuses_with_retry_after() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window_s=60, clock=clock)
    assert limiter.hit("u1").allowed
    clock.now += 10
    assert limiter.hit("u1").allowed
    refused = limiter.hit("u1")
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(50)


def test_window_slides_rather_than_resetting() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window_s=60, clock=clock)
    limiter.hit("u")
    clock.now += 30
    limiter.hit("u")
    clock.now += 31  # the first hit has left the window, the second has not
    assert limiter.hit("u").allowed
    assert not limiter.hit("u").allowed


def test_users_are_independent_and_refusals_are_not_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window_s=60, clock=clock)
    assert limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    for _ in range(5):
        assert not limiter.hit("a").allowed
    clock.now += 60
    assert limiter.hit("a").allowed


def test_reset_and_bad_arguments() -> None:
    limiter = RateLimiter(1)
    limiter.hit("a")
    limiter.reset("a")
    assert limiter.hit("a").allowed
    limiter.reset()
    assert limiter.hit("a").allowed
    with pytest.raises(ValueError):
        RateLimiter(0)
