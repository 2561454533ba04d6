"""arXiv's URLs on this site: replace ``arxiv.org`` with our host in any arXiv link and it works.

``/abs/<id>`` and ``/pdf/<id>`` (a version, a ``.pdf`` suffix, old-style ids
such as ``hep-th/9901001``) and ``/paper/<id>v<n>/`` redirect to the paper's
page, which says which version its summary was written from.  A paper we do
not have gets a page that says so and links to arXiv, with status 404.
"""
from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from papers.importers.text import split_arxiv_id
from papers.models import Paper


def parse_pasted(text: str) -> tuple[str, int | None] | None:
    """``"2402.19474v1.pdf"``, ``"hep-th/9901001v2/"`` … → (id, version); None when it is no arXiv id."""
    text = text.strip().strip("/")
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    return split_arxiv_id(text)


def missing(request, arxiv_id: str | None, version: int | None = None, asked: str = ""):
    """The page for a paper we do not have (or a path that names none), with status 404."""
    versioned = f"{arxiv_id}v{version}" if arxiv_id and version else arxiv_id
    return render(request, "papers/paper_missing.html", {
        "arxiv_id": arxiv_id, "versioned_id": versioned, "asked": asked[:200],
        "arxiv_url": f"https://arxiv.org/abs/{versioned}" if arxiv_id else "",
    }, status=404)


def _visible(request, arxiv_id: str) -> bool:
    papers = Paper.objects.all() if request.user.is_staff else Paper.objects.published()
    return papers.filter(arxiv_id=arxiv_id).exists()


@require_GET
def arxiv_link(request, rest: str):
    """``/abs/…`` and ``/pdf/…``: to the paper's page, or the page saying we do not have it."""
    found = parse_pasted(rest)
    if found is None:
        return missing(request, None, asked=rest)
    arxiv_id, version = found
    if not _visible(request, arxiv_id):
        return missing(request, arxiv_id, version)
    return redirect(reverse("paper", args=[arxiv_id]))


@require_GET
def paper_version(request, arxiv_id: str, version: str):
    """``/paper/2402.19474v1/``: the paper's page is the same for every version."""
    if not _visible(request, arxiv_id):
        return missing(request, arxiv_id, int(version))
    return redirect(reverse("paper", args=[arxiv_id]))
