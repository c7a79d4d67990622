"""The lookup's rate limiter as a pure object: buckets, the miss budget, client addresses, bounded memory."""

from __future__ import annotations

import tracemalloc
from ipaddress import IPv4Address, ip_network

import pytest

from status_api.config import ConfigError, Limits, Rate, Settings
from status_api.http.budgets import RateLimiter

A, B = IPv4Address("192.0.2.1"), IPv4Address("192.0.2.2")
REGULAR = IPv4Address("198.51.100.7")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rates_are_read_as_a_count_per_unit_of_time() -> None:
    assert Rate.parse("10/minute") == Rate(10, 60)
    assert Rate.parse(" 100 / hours ") == Rate(100, 3600)
    assert Rate.parse("5/s") == Rate(5, 1)
    assert Rate.parse("3/jour") == Rate(3, 86400)
    for wrong in ("10", "0/minute", "10/fortnight", "ten/minute", "-1/s", "10/ms"):
        with pytest.raises(ValueError):
            Rate.parse(wrong)


def test_a_burst_then_a_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(lookups=Rate(10, 60), burst=3, misses=Rate(100, 3600)), clock)
    assert [limiter.take(A) for _ in range(3)] == [0, 0, 0]
    wait = limiter.take(A)
    assert wait == pytest.approx(6.0)  # one token every 6 s at 10 a minute
    clock.now += 5.9
    assert limiter.take(A) > 0
    clock.now += 0.2
    assert limiter.take(A) == 0
    # Another client has its own budget.
    assert limiter.take(B) == 0
    # After a long pause, the burst is back, and no more.
    clock.now += 3600
    assert [limiter.take(A) == 0 for _ in range(4)] == [True, True, True, False]


def test_misses_have_a_tighter_budget_that_refuses_every_lookup_once_spent() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(lookups=Rate(1000, 1), burst=1000, misses=Rate(4, 3600)), clock)
    for _ in range(4):
        assert limiter.take(A) == 0
        limiter.charge(A)
    # A lookup that would find a ticket is refused too: the refusal must not depend on the ID.
    wait = limiter.take(A)
    assert wait == pytest.approx(900.0)  # one miss every 15 minutes at 4 an hour
    clock.now += 900
    assert limiter.take(A) == 0


def test_lookups_that_find_a_ticket_spend_no_miss() -> None:
    limiter = RateLimiter(Limits(lookups=Rate(1000, 1), burst=1000, misses=Rate(2, 3600)), Clock())
    assert all(limiter.take(A) == 0 for _ in range(500))


def test_memory_stays_bounded_under_a_flood_of_distinct_clients() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(max_clients=1000), clock)
    tracemalloc.start()
    try:
        for n in range(200_000):
            clock.now += 0.001
            limiter.take(IPv4Address(0x0A000000 + n))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(limiter) == 1000
    # 1000 clients of a few floats each: well under a megabyte, whatever the flood's size.
    assert peak < 1_000_000


def test_the_least_recently_seen_client_is_forgotten_first() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(burst=1, max_clients=100), clock)
    assert limiter.take(REGULAR) == 0
    assert limiter.take(REGULAR) > 0  # spent
    for n in range(99):
        limiter.take(IPv4Address(0x0B000000 + n))
    limiter.take(REGULAR)  # seen again: now the most recent
    limiter.take(IPv4Address(0x0C000000))
    assert limiter.take(REGULAR) > 0  # still remembered, still spent


def test_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "STATUS_API_LOOKUP_RATE": "20/minute",
            "STATUS_API_LOOKUP_BURST": "8",
            "STATUS_API_MISS_RATE": "50/hour",
            "STATUS_API_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
            "STATUS_API_LOOKUP_FLOOR_MS": "0",
            "STATUS_API_HSTS": "on",
        }
    )
    assert settings.limits == Limits(lookups=Rate(20, 60), burst=8, misses=Rate(50, 3600))
    assert settings.trusted_proxies == (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"))
    assert settings.lookup_floor == 0
    assert settings.hsts
    assert Settings.from_env({"STATUS_API_RATE_LIMIT": "off"}).limits is None
    assert Settings.from_env({}).limits == Limits()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STATUS_API_LOOKUP_RATE", "beaucoup"),
        ("STATUS_API_LOOKUP_BURST", "-3"),
        ("STATUS_API_RATE_LIMIT", "peut-être"),
        ("STATUS_API_TRUSTED_PROXIES", "proxy.example.com"),
        # Trusting everyone trusts every forged X-Forwarded-For: refused, like wide public ranges.
        ("STATUS_API_TRUSTED_PROXIES", "0.0.0.0/0"),
        ("STATUS_API_TRUSTED_PROXIES", "::/0"),
        ("STATUS_API_TRUSTED_PROXIES", "8.0.0.0/7"),
        ("STATUS_API_TRUSTED_PROXIES", "198.0.0.0/12"),
        ("STATUS_API_PUBLIC_URL", "suivi.example.com"),
        ("STATUS_API_PUBLIC_URL", "https://suivi.example.com/?x=1"),
        ("STATUS_API_MAX_HEADER_BYTES", "10"),
        ("STATUS_API_HEADER_TIMEOUT", "0"),
        ("STATUS_API_MAX_CONNECTIONS", "beaucoup"),
        ("STATUS_API_LOOKUP_FLOOR_MS", "1e9"),
    ],
)
def test_a_wrong_setting_is_named_in_french(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name) as error:
        Settings.from_env({name: value})
    assert value in str(error.value)
