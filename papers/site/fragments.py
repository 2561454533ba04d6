"""Entry cards rendered once per content, shared by every list page that shows them.

A digest day shows 30 entry cards, a list or search page 20; rendering them
was most of what those pages cost (Django's template engine spends about half
a millisecond per card, 15 ms for a digest day).  A card depends only on its paper's and entry's text,
its authors and topic, and the language, so it is cached under a hash of
exactly those values: an edit, a new author or a renamed topic makes a new
key and the old card is simply never asked for again — there is nothing to
invalidate.  The hash also covers the card's template, so a deploy that
changes it does not serve old cards.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from papers.fixed_queries import FixedQuery, one_of

ENTRY_TEMPLATE = "papers/includes/entry.html"
CARD_TIMEOUT = 60 * 60 * 24 * 7
AUTHORS_SHOWN = 4  # as in the template's {% author_links paper.author_list 4 %}


@lru_cache(maxsize=1)
def _template_stamp() -> str:
    template = get_template(ENTRY_TEMPLATE)
    return hashlib.sha256(template.template.source.encode()).hexdigest()[:16]


def _card_key(paper, language: str) -> str:
    summary = getattr(paper, "summary", None)
    topic = paper.topic
    parts = [
        _template_stamp(), language, paper.arxiv_id, str(paper.version), paper.title, str(paper.published),
        paper.code_url, paper.abstract,
        *((topic.slug, topic.name_en, topic.name_zh) if topic else ("",)),
        str(len(paper.author_list)), *(f"{slug}\t{name}" for name, slug in paper.author_list[:AUTHORS_SHOWN]),
    ]
    if summary is not None:
        parts += [summary.headline_zh, summary.title_zh, summary.tldr, summary.key_points_html, summary.abstract_zh,
                  summary.summary_language]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"card:{digest}"


def attach_cards(papers) -> None:
    """Set ``paper.card`` (safe HTML) on each paper: cached cards in one cache round trip, the rest rendered."""
    papers = list(papers)
    if not papers:
        return
    attach_authors(papers)
    language = get_language()
    keys = {paper.pk: _card_key(paper, language) for paper in papers}
    found = cache.get_many(list(keys.values()))
    template, fresh = get_template(ENTRY_TEMPLATE), {}
    for paper in papers:
        html = found.get(keys[paper.pk])
        if html is None:
            html = fresh[keys[paper.pk]] = template.render({"paper": paper})
        paper.card = _safe(html)
    if fresh:
        cache.set_many(fresh, CARD_TIMEOUT)


def _bylines(paper_ids):
    from papers.models import Authorship

    return (Authorship.objects.filter(paper_id__in=one_of(paper_ids, "bigint")).order_by("paper_id", "position")
            .values_list("paper_id", "author_id", "author__name", "author__slug"))


BYLINES = FixedQuery(_bylines, paper_ids=list)


def attach_authors(papers: list) -> None:
    """``paper.author_list``: (name, slug) in byline order, and ``paper.author_ids``; for all papers in one query."""
    by_paper: dict[int, list[tuple[int, str, str]]] = {paper.pk: [] for paper in papers}
    for paper_id, *author in BYLINES(paper_ids=list(by_paper)):
        by_paper[paper_id].append(author)
    for paper in papers:
        paper.author_list = [(name, slug) for _, name, slug in by_paper[paper.pk]]
        paper.author_ids = [pk for pk, _, _ in by_paper[paper.pk]]


def _safe(html: str) -> SafeString:
    # Rendered by our autoescaping template from sanitized fields: as safe as it was when rendered.
    return mark_safe(html)  # noqa: S308
