"""Parts that pages show alike, rendered once per language and set of topics in each process.

The header's navigation and the footer, on every public page: as template
nodes (eighteen links, thirteen translations, a loop over the topics) they
cost every page about 0.3 ms of CPU, nearly half of what ``base.html`` costs.
The filters' empty fields, on a search or list that names no filter (0.45 ms).
What they show depends only on what the key holds: where links are reversed
(``link_context``: URL configuration, script prefix, language) and the topics
(read as before, from the cache), so a renamed topic or another language is
another entry.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from papers.site.reversing import link_context

register = template.Library()


class NavTopic(NamedTuple):
    slug: str
    name_en: str
    name_zh: str


@register.simple_tag(takes_context=True)
def site_nav(context) -> SafeString:
    topics = context.get("nav_topics") or ()
    topics = topics() if callable(topics) else topics  # the context processor's lazy read
    return _rendered("includes/site_nav.html", *link_context(), tuple(NavTopic(t.slug, t.name_en, t.name_zh) for t in topics))


@register.simple_tag
def site_footer() -> SafeString:
    return _rendered("includes/site_footer.html", *link_context(), ())


@register.simple_tag
def blank_filter_fields() -> SafeString:
    """The filters' fields as a request that names no filter shows them (``filters_given``)."""
    from papers.site.filters import topic_choices

    topics = tuple(Choice(topic.slug, str(topic)) for topic in topic_choices())
    return _rendered("papers/includes/filter_fields.html", *link_context(), topics, _empty_form)


def _empty_form() -> dict:
    from papers.site.filters import PaperFilter

    return {"form": PaperFilter(None).form}  # unbound: every field empty


class Choice(NamedTuple):
    """A topic as the filters' select shows it (``str(topic)``)."""

    slug: str
    label: str

    def __str__(self) -> str:
        return self.label


def _rendered(name: str, resolver, prefix: str, language: str, topics: tuple, extra=None) -> SafeString:
    """``name`` rendered with ``topics`` (and what ``extra()`` adds), once per key outside development."""
    if settings.DEBUG:  # a template edited while the development server runs shows on the next page
        return _render(name, topics, extra)
    return _remembered(name, resolver, prefix, language, topics, extra)


@lru_cache(maxsize=256)
def _remembered(name: str, resolver, prefix: str, language: str, topics: tuple, extra) -> SafeString:
    """The key's other values are read again by the rendering, from the current thread."""
    return _render(name, topics, extra)


def _render(name: str, topics: tuple, extra) -> SafeString:
    context = {"nav_topics": topics, "topics": topics, **(extra() if extra else {})}
    return mark_safe(get_template(name).render(context).strip())
