"""``reverse`` with its answers remembered, for the site's templates and link helpers.

Django's ``reverse`` walks the view's URL patterns, quotes the arguments and
checks the result against the pattern's regex on every call: 25–50 µs.  A paper
page asked it 33 times, mostly for the same header, footer and index links,
which made it a fifth of the page's template CPU.  Its answer depends only on
the URL configuration in use, the script prefix, the active language
(translated patterns), the view name, the arguments and the current
application, so it is remembered under all of those, in a bounded per-process
cache: the links every page shows stay in it, a paper's own links pass through.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

CACHED_LINKS = 4096
SLUG_MARK = "slug-mark"
_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse leaves unquoted


def _plain(value) -> bool:
    """Text or a whole number, whose link text is fixed by its value (``True == 1``, so not a bool)."""
    return isinstance(value, str) or type(value) is int


def link_context() -> tuple:
    """What a link reversed now depends on besides its view and arguments: URL configuration, script prefix, language."""
    return get_resolver(get_urlconf()), get_script_prefix(), get_language()


def reverse(viewname: str, *, args=None, kwargs=None, current_app: str | None = None) -> str:
    """What ``django.urls.reverse`` returns for the same arguments."""
    args = args or ()
    if not isinstance(viewname, str) or not all(map(_plain, args)) or (kwargs and not all(map(_plain, kwargs.values()))):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    return _remembered(*link_context(), viewname, tuple(args), tuple(sorted(kwargs.items())) if kwargs else (),
                       current_app)


@lru_cache(maxsize=CACHED_LINKS)
def _remembered(resolver, prefix, language, viewname, args, kwargs, current_app) -> str:
    """The resolver, prefix and language are the key only: the call reads them from the current thread."""
    return django_reverse(viewname, args=args, kwargs=dict(kwargs), current_app=current_app)



def slug_links(route: str) -> Callable[[str], str]:
    """``slug → reverse(route, args=[slug])`` for a list of links (a card's authors, an index's tags): one reverse.

    A list's slugs are each new, so remembering them would not help; the link is
    the route's one ``reverse`` with a mark in place of the slug, and the slug
    quoted as ``reverse`` quotes it.  A slug that a route's ``str`` or ``path``
    part may refuse (empty, a "/", a line break) goes to ``reverse``, which
    answers or refuses it as it would anyway.
    """
    prefix, suffix = reverse(route, args=[SLUG_MARK]).split(SLUG_MARK)

    def link(slug: str) -> str:
        if not slug or "/" in slug or "\n" in slug:
            return django_reverse(route, args=[slug])
        return prefix + quote(slug, safe=_SAFE) + suffix

    return link
