"""Rendered public pages in the cache, served while what they show is unchanged.

Each cached page names the things it shows as *tags* ("paper:2402.19474",
"topic:rag", "home" …).  Every tag has a version number in the cache, and a
page is stored with the versions its tags had when it was rendered and served
only while they are still current, so bumping a tag's version (when something
it names is published, unpublished or edited) makes exactly the pages that
show it miss — no key lists to keep, no wildcard deletes.  The versions are
bumped by the writes, through ``papers.services.page_versions``.  With
``REDIS_URL`` set the cache is Redis, shared by every web process.

Each web process also keeps the pages it served lately in its own memory and
serves them for ``PAGE_LOCAL_SECONDS`` without asking Redis: a hit's round trip
to Redis cost three times what the whole page's serving costs otherwise
(bench/README.md).  A change made in another process therefore shows within
that time; one made in this process shows at once.

A page is stored gzip-compressed beside its text, compressed once when it is
rendered, and served compressed to every client that accepts it (browsers
all do): a day's digest is some 110 KiB of HTML and 40 KiB compressed, and
sending the bytes was most of what a hit cost beyond a small page's
(bench/README.md).  A proxy in front passes such an answer on as it is.
Pages are for anonymous readers and carry no secret, so compressing them
gives BREACH nothing to guess at.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils import translation
from django.utils.translation import get_language

from papers.services.page_versions import first_version, local_generation, version_keys

PAGE_TIMEOUT = 60 * 60 * 24
PAGE_FORMAT = 2  # part of every page's key: pages stored in another shape are never read back
MESSAGES_COOKIE = CookieStorage.cookie_name
GZIP_LEVEL = 6  # compressed once per rendered page, sent many times: the smaller the better
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as Django's GZipMiddleware reads Accept-Encoding


def _page_key(request) -> str:
    digest = hashlib.sha256(f"{get_language()}|{request.get_full_path()}".encode()).hexdigest()
    return f"page:{PAGE_FORMAT}:{digest}"


class StoredPage(NamedTuple):
    """A rendered page as the cache holds it."""

    content: bytes
    gzipped: bytes | None  # None where compressing saved nothing
    headers: dict

    @classmethod
    def of(cls, content: bytes, headers: dict) -> StoredPage:
        gzipped = gzip.compress(content, GZIP_LEVEL, mtime=0)
        return cls(content, gzipped if len(gzipped) < len(content) else None, headers)

    @property
    def size(self) -> int:
        return len(self.content) + len(self.gzipped or b"")


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


class _Kept(NamedTuple):
    stamp: tuple
    page: StoredPage
    checked: float  # time.monotonic() when the stamp was last known current
    generation: tuple  # this process's bumps and cache clears when it was checked


class LocalPages:
    """The pages one process served lately, newest last, up to ``max_bytes`` of content.

    An entry is served without asking Redis while it was checked less than
    ``seconds`` ago and this process has bumped no version since; past that the
    tags' versions are fetched again (a few bytes) and the page itself only if
    they moved.
    """

    def __init__(self, seconds: float, max_bytes: int):
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread workers share it

    def get(self, key: str) -> _Kept | None:
        return self._pages.get(key)

    def is_fresh(self, kept: _Kept) -> bool:
        return time.monotonic() - kept.checked < self.seconds and kept.generation == generation()

    def keep(self, key: str, stamp: tuple, page: StoredPage, generation: tuple) -> None:
        if self.seconds <= 0 or page.size > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= old.page.size
            self._pages[key] = _Kept(stamp, page, time.monotonic(), generation)
            self._bytes += page.size
            while self._bytes > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.page.size

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


def generation() -> tuple:
    """What this process changed in the cache lately: versions it bumped, clears."""
    return local_generation(), getattr(cache, "clears", 0)


# Only in front of a cache shared by every process (Redis): the local-memory cache already is this process's memory.
local_pages = LocalPages(settings.PAGE_LOCAL_SECONDS if settings.REDIS_URL else 0, settings.PAGE_LOCAL_BYTES)

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
        kept = local_pages.get(key)
        if kept is not None and local_pages.is_fresh(kept):
            return self._replay(request, kept.page)
        checked_at = generation()  # read before the versions: a bump after them makes this entry stale
        site_key = tag_keys[0]
        if kept is not None:  # known here, but not checked lately: the versions alone tell whether it is current
            found = cache.get_many(tag_keys)
            # Without the site's version the cache was emptied since: versions restarted, equal proves nothing.
            if site_key in found and tuple(found.get(k, 0) for k in tag_keys) == kept.stamp:
                local_pages.keep(key, kept.stamp, kept.page, checked_at)
                return self._replay(request, kept.page)
        found = cache.get_many([key, *tag_keys])
        if site_key not in found:
            # An empty cache (new, flushed, restarted): the site's version starts afresh, so that no page
            # kept from before, in any process, has the stamp of a page rendered from now on.
            cache.add(site_key, first_version(), timeout=None)
            found.update(cache.get_many([site_key]))
        stamp = tuple(found.get(k, 0) for k in tag_keys)
        stored = found.get(key)
        if stored is not None and stored[0] == stamp:
            local_pages.keep(key, stamp, stored[1], checked_at)
            return self._replay(request, stored[1])
        response = self.get_response(request)
        if (response.status_code == 200 and not response.streaming and not response.cookies
                and not request.user.is_authenticated):
            patch_vary_headers(response, ("Accept-Encoding",))
            page = StoredPage.of(response.content, {name: response[name] for name in REPLAYED_HEADERS if name in response})
            cache.set(key, (stamp, page), PAGE_TIMEOUT)
            local_pages.keep(key, stamp, page, checked_at)
            if page.gzipped is not None and _accepts_gzip(request):
                _send_gzipped(response, page)
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
    def _replay(request, page: StoredPage) -> HttpResponse:
        gzipped = page.gzipped is not None and _accepts_gzip(request)
        body = page.gzipped if gzipped else page.content
        response = HttpResponse(body, headers=page.headers)
        response["Content-Length"] = str(len(body))
        if gzipped:
            response["Content-Encoding"] = "gzip"
        response["X-Cache"] = "hit"
        return response


def _accepts_gzip(request) -> bool:
    return ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) is not None


def _send_gzipped(response: HttpResponse, page: StoredPage) -> None:
    response.content = page.gzipped
    response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(page.gzipped))
