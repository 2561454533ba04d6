"""Fetch papers from arXiv, the way arXiv asks to be used.

* **The day's announcements** (the scheduled fetch): one request for the
  announcement feed of the configured categories (``ARXIV_CATEGORIES``,
  ``rss.arxiv.org/rss/cs.CL+cs.AI+cs.LG``).  Every item is imported: ``new``
  and ``cross`` items as papers, ``replace`` items as new versions of papers
  imported before.  The new and cross-listed papers that match
  ``ARXIV_SELECT`` are the day's papers: they get a place in that
  announcement day's draft digest and are returned so the caller can queue
  their summaries (the ``papers.fetch_announcements`` task does).  Each
  attempt goes into the day's ledger (``papers.services.ledger``); a fetch
  that fails (arXiv unreachable, an error feed, no items on a weekday) is a
  failed import batch and a failed day, for the desk to see.
* **The search API** (back-fill of a date range, and named queries): one
  request every ``ARXIV_DELAY_SECONDS`` (3 s by arXiv's terms), results paged
  newest first, a query's run stopped at its last successful run.

Everything goes through the same ingest as ``import_papers`` (one ImportBatch
per run), with a descriptive User-Agent.
"""
from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from papers.importers import arxiv_announce
from papers.importers.arxiv_atom import published_times
from papers.importers.sources import InputError, InputFile, from_bytes, opened_url
from papers.importers.arxiv_announce import WEEKDAYS
from papers.models import Digest, DigestEntry, FetchDayItem, ImportBatch, Paper, RecordError, Summary
from papers.services import ledger
from papers.services.ingest import IngestOptions, import_sources


@dataclass
class Fetched:
    """One fetch run: its import batch, and the papers it added (newest first), which need a summary."""

    batch: ImportBatch
    new_papers: list[Paper]
    day: dt.date | None = None  # the announcement day (announcement fetches)
    announced: dict[str, int] | None = None  # items by announce type (announcement fetches)


def page_url(query: str, start: int, size: int) -> str:
    params = {"search_query": query, "start": start, "max_results": size, "sortBy": "submittedDate",
              "sortOrder": "descending"}
    return f"{settings.ARXIV_API_URL}?{urllib.parse.urlencode(params)}"


def http_get(url: str) -> bytes:
    with opened_url(url, user_agent=settings.IMPORT_USER_AGENT) as response:
        return response.read()


def last_success(query_name: str) -> dt.datetime | None:
    return (
        ImportBatch.objects.filter(started_by=f"fetch:{query_name}", state=ImportBatch.State.DONE)
        .aggregate(last=Max("started_at"))["last"]
    )


def _pages(query: str, *, get, sleep, since: dt.datetime | None, limit: int) -> list[InputFile]:
    """The API's pages for ``query``, newest first, until a short page, ``since`` or ``limit`` results."""
    files, start, size = [], 0, settings.ARXIV_PAGE_SIZE
    while start < limit:
        if files:
            sleep(settings.ARXIV_DELAY_SECONDS)
        url = page_url(query, start, size)
        body = get(url)
        files.append(from_bytes(url, body))
        published = published_times(body)
        if len(published) < size or (since and min(published) < since):
            break
        start += size
    return files


def arxiv_fetch(*, query_name: str = "default", query: str | None = None, get=http_get, sleep=time.sleep,
                today: dt.date | None = None) -> Fetched:
    """A named search API query since its last successful run; new papers go into today's draft digest."""
    query = query or settings.ARXIV_QUERIES[query_name]
    files = _pages(query, get=get, sleep=sleep, since=last_success(query_name), limit=settings.ARXIV_MAX_RESULTS)
    started = timezone.now()
    batch = import_sources(files, format="arxiv-atom", options=IngestOptions(auto_topic=True),
                           started_by=f"fetch:{query_name}")
    new_papers = list(Paper.objects.filter(summary__isnull=True, created_at__gte=started).order_by("-published", "arxiv_id"))
    _add_to_draft_digest(new_papers, today or timezone.localdate())
    return Fetched(batch=batch, new_papers=new_papers)


def backfill_query(start: dt.date, end: dt.date, categories: list[str]) -> str:
    """The search API query for papers of ``categories`` submitted from ``start`` to ``end`` (inclusive)."""
    cats = " OR ".join(f"cat:{category}" for category in categories)
    return f"({cats}) AND submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"


def arxiv_backfill(*, start: dt.date, end: dt.date, categories: list[str] | None = None, get=http_get,
                   sleep=time.sleep) -> ImportBatch:
    """Every paper of ``categories`` submitted in a date range, from the search API (the feeds only know today).

    Papers only: no digest and no summaries (a past day's digest is the
    editors' to make); re-running a range changes nothing.
    """
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    categories = categories or settings.ARXIV_CATEGORIES
    files = _pages(backfill_query(start, end, categories), get=get, sleep=sleep, since=None,
                   limit=settings.ARXIV_BACKFILL_MAX_RESULTS)
    return import_sources(files, format="arxiv-atom", options=IngestOptions(auto_topic=True),
                          started_by=f"backfill:{start:%Y-%m-%d}..{end:%Y-%m-%d}")


def announcements_url(categories: list[str]) -> str:
    return f"{settings.ARXIV_RSS_URL.rstrip('/')}/{'+'.join(categories)}"


def arxiv_announcements_fetch(*, categories: list[str] | None = None, get=http_get,
                              today: dt.date | None = None, expected: dt.date | None = None) -> Fetched:
    """Import the announcement feed of ``categories``; the selected new and cross-listed papers are the day's.

    Every attempt is written to the day's ledger (``papers.services.ledger``).
    ``expected`` is the day the caller expects announced (the scheduled fetch:
    arXiv's today): a feed still showing an earlier day leaves that day failed.
    """
    categories = categories or settings.ARXIV_CATEGORIES
    url = announcements_url(categories)
    started_by = f"announce:{'+'.join(categories)}"
    try:
        body = get(url)
    except InputError as exc:
        batch = _failed_batch(url, started_by, exc)
        ledger.fetch_day_failed(day=expected or today or ledger.arxiv_today(), categories=categories, batch=batch,
                                reason=exc.reason)
        return Fetched(batch=batch, new_papers=[])
    batch = import_sources([from_bytes(url, body)], format=arxiv_announce.FORMAT,
                           options=IngestOptions(auto_topic=True), started_by=started_by)
    feed = arxiv_announce.announcements(body)
    listings = arxiv_announce.listed(feed) if feed else []
    day = (feed.day if feed else None) or expected or today or timezone.localdate()
    if batch.state == ImportBatch.State.FAILED:  # nothing landed: unreadable, an error feed, a weekday without items
        error = batch.errors.filter(level=RecordError.Level.ERROR).values_list("reason", flat=True).first()
        ledger.fetch_day_failed(day=day, categories=categories, batch=batch, reason=error or "nothing imported")
        return Fetched(batch=batch, new_papers=[], day=day, announced=_by_type(listings))
    outcomes = ledger.day_outcomes(day=day, listings=listings, batch=batch)
    ledger.fetch_day_record(day=day, categories=categories, batch=batch, listings=listings, outcomes=outcomes,
                            quiet=not listings)
    if expected and day < expected and feed and WEEKDAYS[expected.weekday()] not in feed.skip_days:
        ledger.fetch_day_failed(day=expected, categories=categories, batch=batch,
                                reason=f"arXiv's feed still shows the announcements of {day:%Y-%m-%d}")
    day_papers = [paper for outcome, _, paper in outcomes.values() if outcome == FetchDayItem.Outcome.SELECTED]
    _add_to_draft_digest(day_papers, day)
    summarized = set(Summary.objects.filter(paper__in=day_papers).values_list("paper_id", flat=True))
    new_papers = [p for p in day_papers if p.pk not in summarized]  # summarizing is idempotent: a re-run queues none twice
    return Fetched(batch=batch, new_papers=new_papers, day=day, announced=_by_type(listings))


def _by_type(listings: list[arxiv_announce.Listing]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for listing in listings:
        counts[listing.announce_type] = counts.get(listing.announce_type, 0) + 1
    return counts


def _failed_batch(url: str, started_by: str, exc: InputError) -> ImportBatch:
    """A fetch that never got a feed, recorded like any import that failed."""
    batch = ImportBatch.objects.create(source=url, format=arxiv_announce.FORMAT, started_by=started_by,
                                       state=ImportBatch.State.FAILED, failed=1, finished_at=timezone.now())
    RecordError.objects.create(batch=batch, file=url, reason=exc.reason)
    return batch


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
