"""Rendered public pages in the cache, served while what they show is unchanged.

Each cached page names the things it shows as *tags* ("paper:2402.19474",
"topic:rag", "home" …).  Every tag has a version number in the cache, and a
page is stored with the versions its tags had when it was rendered and served
only while they are still current, so bumping a tag's version (when something
it names is published, unpublished or edited) makes exactly the pages that
show it miss — no key lists to keep, no wildcard deletes.  The versions are
bumped by the writes, through ``papers.services.page_versions``.  With
``REDIS_URL`` set the cache is Redis, shared by every web process.
"""
from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import get_language

from papers.services.page_versions import version_keys

PAGE_TIMEOUT = 60 * 60 * 24
MESSAGES_COOKIE = CookieStorage.cookie_name


def _page_key(request) -> str:
    digest = hashlib.sha256(f"{get_language()}|{request.get_full_path()}".encode()).hexdigest()
    return f"page:{digest}"


def cached_page(tags_for):
    """Mark a GET view as cacheable for anonymous readers; ``tags_for(request, **kwargs)`` names what it shows.

    The caching itself is :class:`PageCacheMiddleware`'s: it answers hits
    before sessions, authentication, CSRF and the other middleware run, and
    stores a miss after they have all added their headers.
    """

    def decorator(view):
        view.page_cache_tags = tags_for
        return view

    return decorator


@functools.lru_cache(maxsize=4096)
def _resolve(path: str):
    """URL resolution is a third of a cache hit's work; the URLconf does not change while a process runs."""
    try:
        return resolve(path)
    except Resolver404:
        return None


# Headers set by the middleware between this one and the view, replayed on a hit.
REPLAYED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Cross-Origin-Opener-Policy")


class PageCacheMiddleware:
    """Serve and store rendered pages of ``cached_page`` views, in one cache round trip per hit.

    A page is stored under its language and full path, with the versions of
    its tags at render time; a hit needs the page and the tags' current
    versions, fetched together (one MGET on Redis), to match.  Only requests
    without a session or pending messages qualify, so what a signed-in editor
    or a reader with a flash message sees is never served from, or stored in,
    the shared cache.  Placed right after WhiteNoise in ``MIDDLEWARE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lookup = self._cacheable(request)
        if lookup is None:
            return self.get_response(request)
        key, tag_keys = lookup
        found = cache.get_many([key, *tag_keys])
        stamp = tuple(found.get(k, 0) for k in tag_keys)
        stored = found.get(key)
        if stored is not None and stored[0] == stamp:
            return self._replay(stored[1], stored[2])
        response = self.get_response(request)
        if (response.status_code == 200 and not response.streaming and not response.cookies
                and not request.user.is_authenticated):
            headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            cache.set(key, (stamp, response.content, headers), PAGE_TIMEOUT)
            response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable(request) -> tuple[str, list[str]] | None:
        if (not settings.PAGE_CACHE or request.method != "GET"
                or settings.SESSION_COOKIE_NAME in request.COOKIES or MESSAGES_COOKIE in request.COOKIES):
            return None
        match = _resolve(request.path_info)
        tags_for = getattr(match.func, "page_cache_tags", None) if match else None
        if tags_for is None:
            return None
        # What LocaleMiddleware will pick (it has not run yet): the language cookie, then Accept-Language.
        with translation.override(translation.get_language_from_request(request)):
            key = _page_key(request)
        return key, version_keys(tags_for(request, *match.args, **match.kwargs))

    @staticmethod
    def _replay(content: bytes, headers: dict) -> HttpResponse:
        response = HttpResponse(content, headers=headers)
        response["Content-Length"] = str(len(content))
        response["X-Cache"] = "hit"
        return response
