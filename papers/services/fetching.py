"""Fetch new papers from the arXiv API, the way arXiv asks to be used.

One request every ``ARXIV_DELAY_SECONDS`` (3 s by arXiv's terms), a
descriptive User-Agent, results paged newest first and stopped at the last
successful run.  Pages go through the same ingest as ``import_papers`` (one
ImportBatch per run); new papers get a topic and a place in that day's draft
digest, and are returned so the caller can queue their summaries (the
``papers.fetch_arxiv`` task does).
"""
from __future__ import annotations

import datetime as dt
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from papers.importers.arxiv_atom import published_times
from papers.importers.sources import InputError, from_bytes
from papers.models import Digest, DigestEntry, ImportBatch, Paper
from papers.services.ingest import IngestOptions, import_sources


@dataclass
class Fetched:
    """One fetch run: its import batch, and the papers it added (newest first), which need a summary."""

    batch: ImportBatch
    new_papers: list[Paper]


def page_url(query: str, start: int, size: int) -> str:
    params = {"search_query": query, "start": start, "max_results": size, "sortBy": "submittedDate",
              "sortOrder": "descending"}
    return f"{settings.ARXIV_API_URL}?{urllib.parse.urlencode(params)}"


def http_get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": settings.IMPORT_USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - configured https URL
            return response.read()
    except OSError as exc:
        raise InputError(url, f"cannot fetch: {exc}") from exc


def last_success(query_name: str) -> dt.datetime | None:
    return (
        ImportBatch.objects.filter(started_by=f"fetch:{query_name}", state=ImportBatch.State.DONE)
        .aggregate(last=Max("started_at"))["last"]
    )


def arxiv_fetch(*, query_name: str = "default", query: str | None = None, get=http_get, sleep=time.sleep,
                today: dt.date | None = None) -> Fetched:
    query = query or settings.ARXIV_QUERIES[query_name]
    since = last_success(query_name)
    files, start, size = [], 0, settings.ARXIV_PAGE_SIZE
    while start < settings.ARXIV_MAX_RESULTS:
        if files:
            sleep(settings.ARXIV_DELAY_SECONDS)
        url = page_url(query, start, size)
        body = get(url)
        files.append(from_bytes(url, body))
        published = published_times(body)
        if len(published) < size or (since and min(published) < since):
            break
        start += size
    started = timezone.now()
    batch = import_sources(files, format="arxiv-atom", options=IngestOptions(auto_topic=True),
                           started_by=f"fetch:{query_name}")
    new_papers = list(Paper.objects.filter(summary__isnull=True, created_at__gte=started).order_by("-published", "arxiv_id"))
    _add_to_draft_digest(new_papers, today or timezone.localdate())
    return Fetched(batch=batch, new_papers=new_papers)


@transaction.atomic
def _add_to_draft_digest(papers: list[Paper], day: dt.date) -> Digest | None:
    """Today's all-topics digest, created as a draft, with the new papers appended."""
    if not papers:
        return None
    digest, _ = Digest.objects.get_or_create(date=day, topic=None, defaults={"title": f"{day:%Y-%m-%d}"})
    position = digest.entries.aggregate(last=Max("position"))["last"] or 0
    have = set(digest.entries.values_list("paper_id", flat=True))
    DigestEntry.objects.bulk_create(
        [DigestEntry(digest=digest, paper=p, position=position + i) for i, p in enumerate((p for p in papers if p.pk not in have), start=1)]
    )
    return digest
