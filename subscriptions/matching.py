"""What a subscription receives: the published entries of a period that match what it follows.

Reads only, through the same definitions the public pages use: published
digests and entries (``published()``), the search page's filters
(``PaperFilter``) and its word matching (``search.matching``), so a saved
search mails exactly what the search page would list for those days.
"""
from __future__ import annotations

from django.http import QueryDict

from papers.models import Author, Digest, Paper, Topic
from papers.site import search
from papers.site.filters import PaperFilter
from subscriptions.models import Subscription
from subscriptions.periods import days_of

MAX_ENTRIES = 100  # per mail; more than a reader reads, and a mail a provider still delivers
SEARCH_KEYS = ("q", *PaperFilter.base_filters)  # what a saved search keeps of a query string


def clean_search(query_string: str) -> str:
    """The search and filter parameters of a query string, without paging or anything else, in a stable order."""
    params = QueryDict(query_string.lstrip("?"))
    kept = QueryDict(mutable=True)
    for key in SEARCH_KEYS:
        value = params.get(key, "").strip()
        if value:
            kept[key] = value
    return kept.urlencode()


def search_errors(query_string: str) -> list[str]:
    """Why a saved search cannot be followed (no words and no filter, or a filter value the site refuses)."""
    if not query_string:
        return ["empty"]
    filterset = PaperFilter(QueryDict(query_string), queryset=Paper.objects.none())
    return [str(e) for errors in filterset.errors.values() for e in errors] if not filterset.is_valid() else []


def target_exists(kind: str, target: str) -> bool:
    if kind == Subscription.Kind.TOPIC:
        return Topic.objects.filter(slug=target).exists()
    if kind == Subscription.Kind.TAG:
        from taggit.models import Tag

        return Tag.objects.filter(slug=target).exists()
    if kind == Subscription.Kind.AUTHOR:
        return Author.objects.filter(slug=target).exists()
    return kind == Subscription.Kind.SEARCH and not search_errors(target)


def period_papers(period: str):
    """Published papers in a digest published for a day of ``period``."""
    first, last = days_of(period)
    digests = Digest.objects.published().filter(date__range=(first, last))
    return Paper.objects.published().filter(digest_entries__digest__in=digests)


def matching_papers(subscription: Subscription, period: str) -> list[Paper]:
    """The papers of ``period`` that ``subscription`` follows, newest first, at most ``MAX_ENTRIES``."""
    papers = period_papers(period)
    kind, target = subscription.kind, subscription.target
    if kind == Subscription.Kind.TOPIC:
        papers = papers.filter(topic__slug=target)
    elif kind == Subscription.Kind.TAG:
        papers = papers.filter(tags__slug=target)
    elif kind == Subscription.Kind.AUTHOR:
        papers = papers.filter(authorships__author__slug=target)
    else:
        params = QueryDict(target)
        filterset = PaperFilter(params, queryset=papers)
        papers = filterset.qs if filterset.is_valid() else papers.none()
        if params.get("q", "").strip():
            papers = search.matching(papers, params["q"])
    # Joins through tags, authors and digests repeat a paper: select by id, once each.
    return list(Paper.objects.filter(pk__in=papers.values("pk")).select_related("summary", "topic")
                .order_by("-published", "-arxiv_id")[:MAX_ENTRIES])
