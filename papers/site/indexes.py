"""The index pages: every topic, tag and author with its number of published papers.

Each page counts with one aggregate query over indexed columns, whatever the
number of papers: topics and tags group the published papers once; authors
are listed a page at a time (by name, an indexed column, only those with a
published paper) and the page's authors counted together — grouping every
authorship of a million papers to show fifty names would cost seconds.  Only
published papers count, and an author or tag without one is not listed: drafts
are nobody's business but the desk's.  Cached like the other list pages;
"home" is bumped whenever any paper goes live or is withdrawn.
"""
from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.shortcuts import render
from django.views.decorators.http import require_GET

from papers.models import Author, Authorship, Paper, Topic, paper_published
from papers.site.caching import cached_page
from papers.site.views import CappedPaginator, _querystring

AUTHORS_PER_PAGE = 100
TAGS_PER_PAGE = 200
QUERY_MAX = 100  # characters of an author search


@require_GET
@cached_page(lambda request: ["home"])
def topic_index(request):
    topics = (Topic.objects.annotate(count=Count("papers", filter=paper_published("papers")))
              .filter(count__gt=0).order_by("position", "slug"))
    return render(request, "papers/index_list.html", {"kind": "topic", "items": list(topics)})


@require_GET
@cached_page(lambda request: ["home"])
def tag_index(request):
    tags = (Paper.objects.published().filter(tags__isnull=False).values("tags__slug", "tags__name")
            .annotate(count=Count("pk")).order_by("-count", "tags__name"))
    page = CappedPaginator(tags, TAGS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [{"slug": t["tags__slug"], "name": t["tags__name"], "count": t["count"]}
                        for t in page.object_list]
    return render(request, "papers/index_list.html", {"kind": "tag", "items": page.object_list, "page": page,
                                                      "querystring": _querystring(request)})


@require_GET
@cached_page(lambda request: ["home"])
def author_index(request):
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    has_published = Exists(Authorship.objects.filter(author=OuterRef("pk")).filter(paper_published("paper")))
    authors = Author.objects.filter(has_published).order_by("name", "pk").only("name", "slug")
    if query:
        authors = authors.filter(name__icontains=query)
    page = CappedPaginator(authors, AUTHORS_PER_PAGE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    counts = dict(Authorship.objects.filter(author_id__in=[a.pk for a in listed]).filter(paper_published("paper"))
                  .order_by().values_list("author_id").annotate(n=Count("paper_id")))
    for author in listed:
        author.count = counts.get(author.pk, 0)
    page.object_list = listed
    return render(request, "papers/index_list.html", {"kind": "author", "items": listed, "page": page,
                                                      "query": query, "querystring": _querystring(request)})
