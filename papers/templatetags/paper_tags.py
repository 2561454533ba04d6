"""Presentation helpers for papers: which title leads in which language."""
from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from papers.site.reversing import slug_links

register = template.Library()


def _summary(paper):
    try:
        return paper.summary
    except Exception:  # RelatedObjectDoesNotExist: a paper without an entry yet
        return None


@register.simple_tag
def primary_title(paper, lang: str) -> str:
    """Chinese readers see the Chinese headline first; English readers the arXiv title."""
    summary = _summary(paper)
    if lang != "en" and summary is not None:
        return summary.headline_zh or summary.title_zh or paper.title
    return paper.title


@register.simple_tag
def secondary_title(paper, lang: str) -> str:
    summary = _summary(paper)
    chinese = (summary.headline_zh or summary.title_zh) if summary is not None else ""
    if lang == "en":
        return chinese
    return paper.title if chinese else ""


@register.simple_tag
def author_links(authors, limit: int = 0):
    """``authors``: (name, slug) pairs (a paper's ``author_list``)."""
    shown = authors[:limit] if limit else authors
    link = slug_links("author")
    links = format_html_join(", ", '<a href="{}">{}</a>', ((link(slug), name) for name, slug in shown))
    if limit and len(authors) > limit:
        return format_html("{} {}", links, gettext("et al."))
    return links


@register.filter
def lang_attr(code: str) -> str:
    return "zh-Hans" if code == "zh" else (code or "zh-Hans")
