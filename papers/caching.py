"""Rendered public pages in the cache, invalidated by what they show.

Each cached page names the things it shows as *tags* ("paper:2402.19474",
"topic:rag", "home" …).  Every tag has a version number in the cache, and a
page's key includes the versions of its tags, so bumping a tag's version
(when something it names is published, unpublished or edited) makes exactly
the pages that show it miss — no key lists to keep, no wildcard deletes.
With ``REDIS_URL`` set the cache is Redis, shared by every web process.
"""
from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

PAGE_TIMEOUT = 60 * 60 * 24
SITE_TAG = "site"  # bumped by bulk writes (imports) that touch many pages at once


def _version_keys(tags: list[str]) -> list[str]:
    return [f"tagv:{tag}" for tag in [SITE_TAG, *tags]]


def page_key(path: str, tags: list[str]) -> str:
    keys = _version_keys(tags)
    versions = cache.get_many(keys)
    stamp = ",".join(str(versions.get(k, 0)) for k in keys)
    digest = hashlib.sha256(f"{get_language()}|{path}|{stamp}".encode()).hexdigest()
    return f"page:{digest}"


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


def cached_page(tags_for):
    """Cache a GET view's 200 responses for anonymous readers under its tags."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not settings.PAGE_CACHE or request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            key = page_key(request.get_full_path(), tags_for(request, *args, **kwargs))
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                response = HttpResponse(content, content_type=content_type)
                response["X-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            # Like Django's cache middleware: a response that sets a cookie is someone's own.
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT)
                response["X-Cache"] = "miss"
            return response

        return wrapper

    return decorator
