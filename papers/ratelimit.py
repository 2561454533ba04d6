"""A requests-per-minute cap that holds across every worker (Redis).

Celery's own ``rate_limit`` counts per worker process; an API's limit counts
per key.  A fixed one-minute window in Redis (INCR + EXPIRE, atomic) is shared
by all workers on all machines.  Without Redis (the demo) there is one process
and no cap is needed.
"""
from __future__ import annotations

import time
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
