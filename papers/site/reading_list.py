"""Citations and the reading list: BibTeX of one paper or of several, and the list's page and data.

The reading list lives in the reader's browser (``static/js/reading-list.js``,
localStorage): the server never learns whose list it is.  Its page is the same
for everybody, so it is cached like any other; the script asks
``/reading-list/papers.json?ids=…`` for the titles and ``/bib/?ids=…`` for the
export, both plain GETs of public data, cached per list of ids.
"""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from papers.models import Authorship, Paper
from papers.site.arxiv_links import missing, parse_pasted
from papers.site.caching import cached_page
from papers.site.citations import bibtex
from papers.templatetags.paper_tags import primary_title, secondary_title

MAX_IDS = 100  # a list longer than this is refused: each id is a lookup, and a URL has a length limit
BIBTEX_TYPE = "text/plain; charset=utf-8"  # shown by a browser, pasted from there; .bib files are plain text


def requested_ids(request) -> list[str]:
    """The arXiv ids of ``?ids=a,b,c`` in their order, without versions, repeats or anything that is no id."""
    ids: list[str] = []
    for part in request.GET.get("ids", "").split(",")[: MAX_IDS * 2]:
        found = parse_pasted(part)
        if found and found[0] not in ids:
            ids.append(found[0])
    return ids


def _ids_tags(request, **kwargs) -> list[str]:
    return [f"paper:{arxiv_id}" for arxiv_id in requested_ids(request)[:MAX_IDS]] or ["home"]


def authors_of(papers) -> dict[int, list[str]]:
    """Each paper's author names in byline order, in one query."""
    names: dict[int, list[str]] = {paper.pk: [] for paper in papers}
    rows = (Authorship.objects.filter(paper_id__in=list(names)).order_by("paper_id", "position")
            .values_list("paper_id", "author__name"))
    for paper_id, name in rows:
        names[paper_id].append(name)
    return names


def _published(ids: list[str]) -> list[Paper]:
    found = Paper.objects.published().select_related("summary").defer("search_vector").in_bulk(ids, field_name="arxiv_id")
    return [found[arxiv_id] for arxiv_id in ids if arxiv_id in found]


def _too_many(ids: list[str]) -> bool:
    return len(ids) > MAX_IDS


@require_GET
@cached_page(lambda request, arxiv_id: [f"paper:{arxiv_id}"])
def paper_bibtex(request, arxiv_id: str):
    """``/paper/<id>.bib``: the paper's BibTeX entry."""
    found = parse_pasted(arxiv_id)
    papers = _published([found[0]]) if found else []
    if not papers:
        return missing(request, found[0] if found else None, asked=arxiv_id)
    paper = papers[0]
    url = request.build_absolute_uri(reverse("paper", args=[paper.arxiv_id]))
    return HttpResponse(bibtex(paper, authors_of(papers)[paper.pk], url=url), content_type=BIBTEX_TYPE)


@require_GET
@cached_page(_ids_tags)
def bibtex_export(request):
    """``/bib/?ids=a,b,c``: the BibTeX of these papers, in this order (at most ``MAX_IDS``)."""
    ids = requested_ids(request)
    if _too_many(ids):
        return HttpResponse(gettext("At most %(n)d papers at once.") % {"n": MAX_IDS}, status=400,
                            content_type=BIBTEX_TYPE)
    papers = _published(ids)
    names = authors_of(papers)
    entries = [bibtex(p, names[p.pk], url=request.build_absolute_uri(reverse("paper", args=[p.arxiv_id])))
               for p in papers]
    response = HttpResponse("\n".join(entries), content_type=BIBTEX_TYPE)
    response["Content-Disposition"] = 'inline; filename="reading-list.bib"'
    return response


@require_GET
@cached_page(_ids_tags)
def reading_list_papers(request):
    """What the list page shows of each paper, as JSON; ids we do not have are simply absent."""
    ids = requested_ids(request)
    if _too_many(ids):
        return JsonResponse({"error": gettext("At most %(n)d papers at once.") % {"n": MAX_IDS}}, status=400)
    papers = _published(ids)
    names = authors_of(papers)
    language = get_language()
    rows = []
    for paper in papers:
        authors = names[paper.pk]
        shown = ", ".join(authors[:3]) + (" " + gettext("et al.") if len(authors) > 3 else "")
        rows.append({
            "id": paper.arxiv_id, "url": reverse("paper", args=[paper.arxiv_id]),
            "title": primary_title(paper, language), "subtitle": secondary_title(paper, language),
            "authors": shown, "published": paper.published.isoformat() if paper.published else "",
        })
    return JsonResponse({"papers": rows})


@require_GET
@cached_page(lambda request: ["reading-list"])
def reading_list(request):
    """The list's page: an empty frame the script fills from the browser's storage."""
    return render(request, "papers/reading_list.html", {"max_ids": MAX_IDS})
