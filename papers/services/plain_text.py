"""Markup out of the plain-text fields of rows imported before the importers removed it.

The same rule as at import (``papers.importers.records.plain``), applied to
what is stored: paper and author names, entry texts and the machine or source
text they were compared with (``Generation.output``, so a cleaned field does
not read as an editor's correction), digests, topics and tags.  Safe to run
again: a clean row is left alone.
"""
from __future__ import annotations

from django.db import transaction
from taggit.models import Tag

from papers import signals
from papers.importers.records import (
    PAPER_PLAIN_FIELDS, SUMMARY_PLAIN_FIELDS, SUMMARY_PLAIN_LISTS, plain,
)
from papers.markup import key_points_html
from papers.models import Author, Digest, Generation, Paper, Summary, Topic

CHUNK = 2000
PAPER_FIELDS = tuple(name for name in PAPER_PLAIN_FIELDS if name not in {"topic"})


def _cleaned(obj, names, lists=()) -> bool:
    changed = False
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str) and value and (text := plain(value)) != value:
            setattr(obj, name, text)
            changed = True
    for name in lists:
        values = getattr(obj, name)
        if isinstance(values, list) and values:
            texts = [text for value in values if isinstance(value, str) and (text := plain(value))]
            if texts != values:
                setattr(obj, name, texts)
                changed = True
    return changed


def _clean_output(output: dict) -> bool:
    changed = False
    for name in SUMMARY_PLAIN_FIELDS:
        value = output.get(name)
        if isinstance(value, str) and value and (text := plain(value)) != value:
            output[name] = text
            changed = True
    for name in SUMMARY_PLAIN_LISTS:
        values = output.get(name)
        if isinstance(values, list) and values:
            texts = [text for value in values if isinstance(value, str) and (text := plain(value))]
            if texts != values:
                output[name] = texts
                changed = True
    return changed


def _each(queryset):
    return queryset.order_by("pk").iterator(chunk_size=CHUNK)


def plain_text_clean(*, dry_run: bool = False) -> dict[str, int]:
    """Rows changed per kind; with ``dry_run`` nothing is written."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        papers = [p for p in _each(Paper.objects.only("pk", *PAPER_FIELDS)) if _cleaned(p, PAPER_FIELDS)]
        summaries = [s for s in _each(Summary.objects.only("pk", "paper_id", "key_points", *SUMMARY_PLAIN_FIELDS,
                                                            *SUMMARY_PLAIN_LISTS))
                     if _cleaned(s, SUMMARY_PLAIN_FIELDS, SUMMARY_PLAIN_LISTS)]
        for summary in summaries:
            summary.key_points_html = key_points_html(summary.key_points or [])
        generations = [g for g in _each(Generation.objects.only("pk", "output")) if _clean_output(g.output or {})]
        authors = [a for a in _each(Author.objects.only("pk", "name")) if _cleaned(a, ("name",))]
        digests = [d for d in _each(Digest.objects.only("pk", "date", "title", "description"))
                   if _cleaned(d, ("title", "description"))]
        topics = [t for t in _each(Topic.objects.all()) if _cleaned(t, ("name_zh", "name_en"))]
        tags = [t for t in _each(Tag.objects.all()) if _cleaned(t, ("name",))]
        counts = {"papers": len(papers), "summaries": len(summaries), "generations": len(generations),
                  "authors": len(authors), "digests": len(digests), "topics": len(topics), "tags": len(tags)}
        if dry_run:
            return counts
        Paper.objects.bulk_update(papers, PAPER_FIELDS, batch_size=CHUNK)
        Summary.objects.bulk_update(summaries, [*SUMMARY_PLAIN_FIELDS, *SUMMARY_PLAIN_LISTS, "key_points_html"],
                                    batch_size=CHUNK)
        Generation.objects.bulk_update(generations, ["output"], batch_size=CHUNK)
        Author.objects.bulk_update(authors, ["name"], batch_size=CHUNK)
        Digest.objects.bulk_update(digests, ["title", "description"], batch_size=CHUNK)
        Topic.objects.bulk_update(topics, ["name_zh", "name_en"], batch_size=CHUNK)
        Tag.objects.bulk_update(tags, ["name"], batch_size=CHUNK)
        changed = {p.pk for p in papers} | {s.paper_id for s in summaries}
        if authors or digests or topics or tags:  # shown beside many papers: every page that lists one
            changed |= set(Paper.objects.values_list("pk", flat=True))
        signals.papers_changed(changed)
    return counts
