"""Make cached public pages stale: the write half of the page cache (``papers.site.caching`` serves pages).

Each cached page names the things it shows as *tags* ("paper:2402.19474",
"topic:rag", "home" …) and is stored with the versions its tags had when it
was rendered; bumping a tag's version here makes exactly the pages that show
it miss.  Writes (imports, state changes, edits) call this, never the site.
"""
from __future__ import annotations

import itertools
import secrets

from django.core.cache import cache

SITE_TAG = "site"  # bumped by bulk writes (imports) that touch many pages at once


def version_keys(tags: list[str]) -> list[str]:
    """The cache keys of the versions a page showing ``tags`` depends on (the site tag included)."""
    return [f"tagv:{tag}" for tag in [SITE_TAG, *tags]]


_local_bumps = itertools.count(1)
_local_generation = 0


def local_generation() -> int:
    """How many bumps this process has made: pages a process keeps in its own memory
    (``papers.site.caching``) are asked about again after one, so whoever publishes sees it at once."""
    return _local_generation


def first_version() -> int:
    """Where a version starts: a random number, so that after the cache is emptied (flushed, restarted) no
    version repeats one from before, and no page a process still keeps from then can match a new stamp."""
    return secrets.randbelow(2**31) + 1


def _bump(key: str) -> None:
    global _local_generation
    try:
        cache.incr(key)
    except ValueError:  # first bump: the key does not exist yet
        cache.set(key, first_version(), timeout=None)
    _local_generation = next(_local_bumps)  # after the new version is in the cache, never before


def invalidate(*tags: str) -> None:
    """Make every cached page that shows one of ``tags`` stale."""
    for tag in tags:
        _bump(f"tagv:{tag}")


def invalidate_everything() -> None:
    _bump(f"tagv:{SITE_TAG}")
