"""The index pages: every topic, tag and author with its number of published papers.

Each page counts with one aggregate query over indexed columns, whatever the
number of papers: topics and tags group the published papers once (the
published entries' papers come from a partial index, never the table);
authors are listed a page at a time (by name, an indexed column, found by any
part of it through a trigram index, only those with a published paper) and the
page's authors counted together — grouping every authorship of a million
papers to show a hundred names would cost seconds.  Pages are cut by fetching
one row more than they show, so no query counts the whole list.  Only
published papers count, and an author or tag without one is not listed: drafts
are nobody's business but the desk's.  Cached like the other list pages;
"home" is bumped whenever any paper goes live or is withdrawn.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import render
from django.views.decorators.http import require_GET
from taggit.models import TaggedItem

from papers.models import Author, Authorship, Paper, Summary, Topic, paper_published
from papers.site.caching import cached_page
from papers.site.views import _querystring

AUTHORS_PER_PAGE = 100
TAGS_PER_PAGE = 200
QUERY_MAX = 100  # characters of an author search


@dataclass
class Page:
    """One page of a list cut by peeking one row ahead: a next page exists, its size is never counted."""

    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def peek_page(request, queryset, size: int) -> tuple[list, Page]:
    """The rows of the requested page (``?page=N``, 1 if missing or bad) and the page, in one query."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start:start + size + 1])
    return rows[:size], Page(number=number, has_next=len(rows) > size)


@require_GET
@cached_page(lambda request: ["home"])
def topic_index(request):
    # Grouped from the published entries (an inner join the partial index serves), then the few topics by id.
    counts = dict(Paper.objects.published().filter(topic__isnull=False).order_by()
                  .values_list("topic_id").annotate(n=Count("pk")))
    topics = list(Topic.objects.filter(pk__in=list(counts)).order_by("position", "slug"))
    for topic in topics:
        topic.count = counts[topic.pk]
    return render(request, "papers/index_list.html", {"kind": "topic", "items": topics})


@require_GET
@cached_page(lambda request: ["home"])
def tag_index(request):
    # Counted from the tag links alone, each checked against the published entries' index (the papers'
    # table is never read).
    published = Summary.objects.published().filter(paper_id=OuterRef("object_id"))
    links = (TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Paper)).filter(Exists(published))
             .order_by().values("tag__slug", "tag__name").annotate(count=Count("pk")).order_by("-count", "tag__name"))
    rows, page = peek_page(request, links, TAGS_PER_PAGE)
    items = [{"slug": row["tag__slug"], "name": row["tag__name"], "count": row["count"]} for row in rows]
    return render(request, "papers/index_list.html", {"kind": "tag", "items": items, "page": page,
                                                      "querystring": _querystring(request)})


@require_GET
@cached_page(lambda request: ["home"])
def author_index(request):
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    has_published = Exists(Authorship.objects.filter(author=OuterRef("pk")).filter(paper_published("paper")))
    authors = Author.objects.filter(has_published).order_by("name", "pk").only("name", "slug")
    if query:
        authors = authors.filter(name__icontains=query)
    listed, page = peek_page(request, authors, AUTHORS_PER_PAGE)
    counts = dict(Authorship.objects.filter(author_id__in=[a.pk for a in listed]).filter(paper_published("paper"))
                  .order_by().values_list("author_id").annotate(n=Count("paper_id")))
    for author in listed:
        author.count = counts.get(author.pk, 0)
    return render(request, "papers/index_list.html", {"kind": "author", "items": listed, "page": page,
                                                      "query": query, "querystring": _querystring(request)})
