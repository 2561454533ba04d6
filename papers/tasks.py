"""Celery tasks for papers: thin — they take ids, call one service, and own retries."""
from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings

from papers.services.fetching import arxiv_announcements_fetch, arxiv_fetch
from papers.services.batches import import_batches_mark_interrupted
from papers.services.generation import paper_to_summarize, summary_generate, summary_mark_failed
from papers.services.ingest import IngestOptions, import_sources
from papers.services.ledger import arxiv_today, fetch_retry_due
from papers.services.published_counts import recount
from papers.summarizers import get_backend
from papers.summarizers.errors import TransientError


def backoff(retries: int, *, base: float = 5.0, cap: float = 600.0) -> float:
    """Exponential backoff with full jitter: spread retries so workers do not stampede."""
    return random.uniform(0, min(cap, base * 2**retries))


# ignore_result: what a summary did is its Generation and the entry; nobody reads the task's result, and
# storing one (a read, a write and a publish in Redis per paper) cost the worker ~0.7 ms of CPU a paper.
@shared_task(bind=True, name="papers.summarize_paper", acks_late=True, reject_on_worker_lost=True,
             max_retries=settings.SUMMARIZER_MAX_RETRIES, ignore_result=True)
def summarize_paper(self, paper_id: int, force: bool = False) -> int | None:
    """Idempotent: the same paper version, prompt and model is never summarized twice unless forced."""
    paper = paper_to_summarize(paper_id)
    if paper is None:
        return None
    try:
        generation = summary_generate(paper=paper, force=force)
    except TransientError as exc:
        if self.request.retries >= self.max_retries:
            backend = get_backend()
            summary_mark_failed(paper=paper, backend=backend, input_hash=backend.input_hash(paper),
                                reason=f"gave up after {self.request.retries + 1} tries: {exc}")
            return None
        raise self.retry(exc=exc, countdown=exc.retry_after or backoff(self.request.retries))
    return generation.pk if generation else None


@shared_task(name="papers.fetch_arxiv", acks_late=True, reject_on_worker_lost=True)
def fetch_arxiv(query_name: str = "default") -> int:
    """Fetch new papers for one configured search API query and queue their summaries; returns the ImportBatch id."""
    fetched = arxiv_fetch(query_name=query_name)
    for paper in fetched.new_papers:
        summarize_paper.delay_on_commit(paper.pk)
    return fetched.batch.pk


@shared_task(name="papers.fetch_announcements", acks_late=True, reject_on_worker_lost=True)
def fetch_announcements(categories: list[str] | None = None) -> int:
    """The scheduled fetch: today's announcements of the configured categories, summaries queued for the day's papers.

    A fetch that failed (arXiv unreachable, an error feed, a weekday without
    items) leaves the day failed in the ledger; ``retry_announcements`` runs it
    again on its schedule until it succeeds.
    """
    fetched = arxiv_announcements_fetch(categories=categories, expected=arxiv_today())
    for paper in fetched.new_papers:
        summarize_paper.delay_on_commit(paper.pk)
    return fetched.batch.pk


@shared_task(name="papers.retry_announcements", acks_late=True, reject_on_worker_lost=True)
def retry_announcements(categories: list[str] | None = None) -> int | None:
    """Scheduled every half hour: the announcement fetch again while the newest day in the ledger is failed."""
    if not fetch_retry_due(categories=categories or settings.ARXIV_CATEGORIES):
        return None
    return fetch_announcements(categories)


@shared_task(name="papers.mark_interrupted_imports")
def mark_interrupted_imports() -> list[int]:
    """Scheduled every 10 minutes: running imports whose process is gone become interrupted."""
    return [batch.pk for batch in import_batches_mark_interrupted()]


@shared_task(name="papers.recount_published")
def recount_published() -> dict[str, int]:
    """Scheduled every night: the index pages' published counts recounted, whatever drifted repaired."""
    return recount()


@shared_task(name="papers.import_sources", acks_late=True, reject_on_worker_lost=True)
def import_sources_task(targets: list[str], options: dict, fmt: str | None = None) -> int:
    """``import_papers --async``: the same import, on a worker."""
    return import_sources(targets, format=fmt, options=IngestOptions(**options), started_by="async").pk
