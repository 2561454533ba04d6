"""The public site: published content only, read-only views.

Every queryset starts from a ``published()`` of papers, digests or digest
entries, each defined once in ``papers.models``; no view filters on a state by
hand.  Staff may preview unpublished papers (with a banner), everybody else
gets 404.
"""
from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from taggit.models import Tag

from papers.models import Author, Digest, Paper, Status, Summary, Topic
from papers.site import page_queries as queries
from papers.site.arxiv_links import missing, parse_pasted
from papers.site.caching import cached_page
from papers.site.citations import bibtex, plain_citation
from papers.site.coverage import day_coverage
from papers.site.filters import PaperFilter, filters_given
from papers.site.fragments import attach_cards, cards_of
from papers.site.page_queries import PAGE_SIZE
from papers.site.reversing import slug_links
from papers.site.search import CANDIDATES, search
from papers.site.search_feeds import clean_params



class CappedPaginator(Paginator):
    """Counts at most MAX results: "1000+" is as useful to a reader as an exact 76,973, and far cheaper."""

    MAX = 1000

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            self._capped_count = self.object_list[: self.MAX + 1].count() if hasattr(self.object_list, "query") else len(self.object_list)
        return self._capped_count


def _page(request, queryset):
    return CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _page_of_cards(request, queryset):
    page = _page(request, queryset)
    page.object_list = list(page.object_list)
    attach_cards(page.object_list)
    return page


def _querystring(request) -> str:
    """The filters (and query) of this list, for its page links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _filtered_list(request, queryset, template: str, context: dict):
    filterset = PaperFilter(request.GET, queryset=queryset) if filters_given(request.GET) else None
    papers = filterset.qs if filterset is not None else queryset
    context.update(filter=filterset, page=_page_of_cards(request, papers.listed_as_cards()),
                   querystring=_querystring(request))
    return render(request, template, context)


@require_GET
@cached_page(lambda request, **kw: ["home"])
def home(request):
    latest = list(queries.LATEST_CARDS())
    attach_cards(latest)
    return render(request, "papers/home.html", {"digests": queries.LATEST_DIGESTS(), "latest": latest})


@require_GET
@cached_page(lambda request, **kw: ["digests"])
def digest_archive(request):
    digests = Digest.objects.published().with_size().select_related("topic").order_by("-date", "topic__position")
    return render(request, "papers/digest_archive.html", {"page": _page(request, digests)})


@require_GET
@cached_page(lambda request, date, topic=None: ["digests", f"digest-date:{date}"])
def digest_detail(request, date: str, topic: str | None = None):
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404("not a date")
    digests = list(queries.DIGESTS_OF_DAY(day=day))
    if not digests:
        raise Http404("no digest published for this date")
    topic_obj = get_object_or_404(Topic, slug=topic) if topic else None
    entries = queries.day_cards(digests, topic_obj.pk if topic_obj else None)
    if topic_obj and not entries:
        raise Http404("nothing in this topic on this date")
    # One section per topic, its cards (HTML already) joined here rather than by a template loop.
    sections = [(section_topic, mark_safe("".join(entry.card for entry in group)))  # noqa: S308 (cards are safe)
                for section_topic, group in groupby(entries, key=lambda entry: entry.topic)]
    return render(
        request,
        "papers/digest_detail.html",
        {"day": day, "digests": digests, "topic": topic_obj, "entries": entries, "sections": sections,
         "coverage": day_coverage(day),
         "topics": sorted({e.topic for e in entries if e.topic}, key=lambda t: (t.position, t.slug))},
    )


@require_GET
@cached_page(lambda request, arxiv_id: [f"paper:{arxiv_id}"])
def paper_detail(request, arxiv_id: str):
    paper = queries.paper_page(arxiv_id, staff=request.user.is_staff)
    if paper is None:  # says so, and links to arXiv when it is an arXiv id
        found = parse_pasted(arxiv_id)
        return missing(request, found[0] if found else None, found[1] if found else None, asked=arxiv_id)
    summary = getattr(paper, "summary", None)
    preview = summary is None or summary.status != Status.PUBLISHED
    corrected = [str(Summary._meta.get_field(n).verbose_name) for n in sorted(summary.edited_fields())] if summary else []
    authors = [name for name, _ in paper.author_list]
    related = Paper.objects.related_to(paper, author_ids=paper.author_ids, tag_ids=[tag.pk for tag in paper.tags_shown])
    link = slug_links("paper")  # each a new paper: one reverse for the page's six links to papers
    for other in related:
        other.url = link(other.arxiv_id)
    return render(
        request,
        "papers/paper_detail.html",
        # Corrections: published text the desk changed after readers had seen it (recorded from the entry's history).
        {"paper": paper, "summary": summary, "preview": preview, "related": related, "tags": paper.tags_shown,
         "digest_dates": paper.digest_dates, "corrected": corrected, "corrections": paper.corrections,
         "citation_bibtex": bibtex(paper, authors, url=request.build_absolute_uri(link(arxiv_id))),
         "citation_text": plain_citation(paper, authors)},
    )


def _one_subject_list(model, kind: str, lookup: str, *, has_feed: bool):
    """The list page of one topic, tag or author: the published papers that ``lookup`` finds for it."""

    @require_GET
    @cached_page(lambda request, slug: [f"{kind}:{slug}", "papers"])
    def view(request, slug: str):
        subject = get_object_or_404(model, slug=slug)
        context = {"heading_object": subject, "kind": kind, **({"feed_slug": slug} if has_feed else {})}
        return _filtered_list(request, Paper.objects.published().filter(**{lookup: subject}),
                              "papers/paper_list.html", context)

    view.__name__ = view.__qualname__ = f"{kind}_detail"
    return view


topic_detail = _one_subject_list(Topic, "topic", "topic", has_feed=True)
tag_detail = _one_subject_list(Tag, "tag", "tags", has_feed=True)
author_detail = _one_subject_list(Author, "author", "authorships__author", has_feed=False)


@require_GET
def search_view(request):
    params = clean_params(request.GET)  # a NUL or control character is no search, and no database error
    query = params.get("q", "").strip()
    filterset = PaperFilter(params, queryset=Paper.objects.searchable()) if filters_given(params) else None
    # Without a filter the search runs its fixed queries (papers.site.search), not the filters' queryset.
    narrowed = filterset.qs if filterset is not None and filterset.narrows else None
    ids, more = search(narrowed, query) if query else ([], False)
    page = _page(request, ids)
    page.object_list = cards_of(list(page.object_list))
    return render(request, "papers/search.html", {
        "query": query, "filter": filterset, "page": page, "more": more, "newest": CANDIDATES,
        "querystring": _querystring(request),
    })


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("django.contrib.sitemaps.views.sitemap"))
    # Searches, their feeds and lists of ids are endless combinations of what the sitemap lists once.
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", "Disallow: /feed/rss/search/",
             "Disallow: /feed/atom/search/", "Disallow: /bib/", "Disallow: /reading-list/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")
