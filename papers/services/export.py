"""Our JSON Lines export: everything the desk holds, in a form import reads back.

The format is read by :mod:`papers.importers.paperdesk_export`; export →
import into an empty database reproduces papers, summaries (with their state
and machine text), digests, topics and tags.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from django.db.models import Prefetch
from django.utils import timezone

from papers.importers.paperdesk_export import HEADER_KEY, PAPER_FIELDS, VERSION
from papers.models import Authorship, Digest, DigestEntry, Paper, Summary, Topic

CHUNK = 2000


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def export_records() -> Iterator[dict]:
    """Header, topics, digests, then papers — streamed in chunks of the paper table."""
    yield {HEADER_KEY: VERSION, "exported_at": timezone.now().isoformat()}
    for topic in Topic.objects.order_by("position", "slug"):
        yield {"kind": "topic", "slug": topic.slug, "name_zh": topic.name_zh, "name_en": topic.name_en,
               "position": topic.position}
    for digest in Digest.objects.select_related("topic").order_by("date", "topic__slug"):
        yield {"kind": "digest", "date": _iso(digest.date), "topic": digest.topic.slug if digest.topic else None,
               "title": digest.title, "description": digest.description, "status": digest.status}
    papers = (
        Paper.objects.select_related("topic", "summary__generation")
        .prefetch_related(
            Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position")),
            Prefetch("digest_entries", queryset=DigestEntry.objects.select_related("digest__topic")),
            "tags",
        )
        .order_by("arxiv_id")
    )
    for paper in papers.iterator(chunk_size=CHUNK):
        yield _paper(paper)


def _paper(paper: Paper) -> dict:
    item = {"kind": "paper", "arxiv_id": paper.arxiv_id, "version": paper.version}
    item.update({name: getattr(paper, name) for name in PAPER_FIELDS})
    item.update(
        authors=[a.author.name for a in paper.authorships.all()],
        categories=paper.categories,
        figures=paper.figures,
        published=_iso(paper.published),
        updated=_iso(paper.updated),
        topic=paper.topic.slug if paper.topic else None,
        tags=sorted(tag.name for tag in paper.tags.all()),
        digests=[
            {"date": _iso(e.digest.date), "topic": e.digest.topic.slug if e.digest.topic else None, "position": e.position}
            for e in paper.digest_entries.all()
        ],
    )
    try:
        summary = paper.summary
    except Summary.DoesNotExist:
        summary = None
    if summary is not None:
        item["summary"] = {
            **summary.text_values(),
            "summary_language": summary.summary_language,
            "structured_html": summary.structured_html,
            "status": summary.status,
            "machine": summary.generation.output if summary.generation else None,
        }
    return item
