"""A feed for any search: ``/feed/rss/search/?…`` and ``/feed/atom/search/?…``.

The query string is the search page's (``q`` and every filter of
``PaperFilter``: topic, tag, author, category, date range, has code), plus
``lang`` for the titles' language (``zh``, ``en``, or both by default).  The
newest published matches come first, as in every feed.  A feed reader polls
the same URL for ever and shows whatever it gets, so a feed never fails: an
empty search, a filter that does not parse, a query of control characters
all give a valid feed without entries.  Feeds are cached like pages, under
the ``search`` tag that every publish, unpublish or edit of a public entry
bumps.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

from papers.markup import inert_text, plain_text
from papers.models import Paper
from papers.site.feeds import FEED_SIZE, AtomFeedType, LatestPapersFeed, feed_items
from papers.site.filters import PaperFilter
from papers.site.search import MAX_QUERY_LENGTH, matching_newest_cheaply

LANGUAGES = {"zh", "en"}
MAX_VALUE_LENGTH = MAX_QUERY_LENGTH


def clean_params(params: QueryDict) -> QueryDict:
    """The query string as text a database accepts: no control characters, bounded values."""
    cleaned = QueryDict(mutable=True)
    for key, values in params.lists():
        cleaned.setlist(key, [plain_text(value)[:MAX_VALUE_LENGTH] for value in values])
    return cleaned


@dataclass
class Search:
    query: str
    filterset: PaperFilter
    lang: str
    querystring: str

    @property
    def empty(self) -> bool:
        """Nothing asked (or nothing valid): the feed lists nothing rather than everything."""
        filters = {k: v for k, v in self.filterset.form.cleaned_data.items() if v not in (None, "", [])} \
            if self.filterset.is_valid() else None
        return filters is None or (not self.query.strip() and not filters)

    def describe(self) -> str:
        asked = [self.query.strip()] if self.query.strip() else []
        if self.filterset.is_valid():
            asked += [f"{name}={value}" for name, value in self.filterset.data.items()
                      if name in self.filterset.filters and value]
        return " · ".join(asked)


class SearchFeed(LatestPapersFeed):
    """The newest published papers matching a search, with its filters."""

    page_cache_tags = staticmethod(lambda request: ["search"])

    def get_object(self, request, *args, **kwargs):
        params = clean_params(request.GET)
        params.pop("page", None)
        lang = params.get("lang", "")
        return Search(
            query=params.get("q", ""), filterset=PaperFilter(params, queryset=Paper.objects.published()),
            lang=lang if lang in LANGUAGES else "", querystring=params.urlencode(),
        )

    def title(self, obj):
        return inert_text(f"Paperdesk · {obj.describe()}" if obj.describe() else "Paperdesk")

    def link(self, obj=None):
        return f"{reverse('search')}?{obj.querystring}" if obj.querystring else reverse("search")

    def items(self, obj=None):
        if obj.empty:
            return []
        queryset = obj.filterset.qs
        if obj.query.strip():
            queryset = matching_newest_cheaply(queryset, obj.query)
        items = feed_items(queryset.for_feeds().latest_first()[:FEED_SIZE])
        for item in items:
            item.lang = obj.lang  # one feed instance serves every request: the language goes with the items
        return items

    def item_title(self, paper):
        if paper.lang == "en":
            return inert_text(paper.title)
        if paper.lang == "zh":
            return inert_text(paper.headline_zh or paper.title_zh or paper.title)
        return super().item_title(paper)


class SearchAtom(SearchFeed):
    feed_type = AtomFeedType
    subtitle = LatestPapersFeed.description
