"""Caps on calls to an API that hold across every worker (Redis): per minute, and at once.

Celery's own ``rate_limit`` counts per worker process, and a worker's thread
count says nothing about how many calls are in flight elsewhere; an API's
limits count per key.  Both caps live in Redis, shared by all workers on all
machines.  Without Redis (the demo) there is one process and no cap is needed.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def acquire(name: str, per_minute: int, *, sleep=time.sleep, clock=time.time, max_wait: float = 120.0) -> float:
    """Block until a call under ``name`` is allowed; returns the seconds waited."""
    if not settings.REDIS_URL or per_minute <= 0:
        return 0.0
    waited = 0.0
    while True:
        now = clock()
        window = int(now // 60)
        key = f"ratelimit:{name}:{window}"
        pipe = _redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ = pipe.execute()
        if count <= per_minute:
            return waited
        pause = min((window + 1) * 60 - now + 0.01, max_wait - waited)
        if pause <= 0:
            raise TimeoutError(f"rate limit {per_minute}/min for {name}: waited {waited:.0f} s")
        sleep(pause)
        waited += pause


# Leases: slot holder → expiry time.  Expired leases (a worker killed mid-call) are dropped first.
_TAKE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return 1
end
return 0
"""


@lru_cache(maxsize=1)
def _take_slot():
    return _redis().register_script(_TAKE_SLOT)


@contextmanager
def slot(name: str, limit: int, *, lease: float, max_wait: float = 600.0) -> Iterator[float]:
    """Hold one of ``limit`` slots for calls under ``name``; yields the seconds waited for it.

    A counting semaphore in Redis.  Each holder has a lease that expires, so a
    worker killed mid-call (SIGKILL skips ``finally``) frees its slot after
    ``lease`` seconds.  Waiters block on a wake-up list that every release
    pushes to, so a freed slot is taken within a round trip, not a poll
    interval; they also retry once a second, for leases that expire.
    """
    if not settings.REDIS_URL or limit <= 0:
        yield 0.0
        return
    client, key, wake = _redis(), f"slots:{name}", f"slots:{name}:wake"
    token, started = uuid.uuid4().hex, time.monotonic()
    while True:
        now = time.time()
        if _take_slot()(keys=[key], args=[now, limit, token, now + lease, int(lease) + 60]):
            break
        remaining = max_wait - (time.monotonic() - started)
        if remaining <= 0:
            raise TimeoutError(f"no free slot of {limit} for {name}: waited {max_wait:.0f} s")
        client.blpop([wake], timeout=min(remaining, 1.0))
    try:
        yield time.monotonic() - started
    finally:
        pipe = client.pipeline()
        pipe.zrem(key, token)
        pipe.rpush(wake, 1)
        pipe.ltrim(wake, -limit, -1)  # wake-ups nobody waited for: at most one spurious retry per slot
        pipe.expire(wake, 60)
        pipe.execute()
