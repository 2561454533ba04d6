"""Make cached public pages stale: the write half of the page cache (``papers.site.caching`` serves pages).

Each cached page names the things it shows as *tags* ("paper:2402.19474",
"topic:rag", "home" …) and is stored with the versions its tags had when it
was rendered; bumping a tag's version here makes exactly the pages that show
it miss.  Writes (imports, state changes, edits) call this, never the site.
"""
from __future__ import annotations

from django.core.cache import cache

SITE_TAG = "site"  # bumped by bulk writes (imports) that touch many pages at once


def version_keys(tags: list[str]) -> list[str]:
    """The cache keys of the versions a page showing ``tags`` depends on (the site tag included)."""
    return [f"tagv:{tag}" for tag in [SITE_TAG, *tags]]


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # first bump: the key does not exist yet
        cache.set(key, 1, timeout=None)


def invalidate(*tags: str) -> None:
    """Make every cached page that shows one of ``tags`` stale."""
    for tag in tags:
        _bump(f"tagv:{tag}")


def invalidate_everything() -> None:
    _bump(f"tagv:{SITE_TAG}")
