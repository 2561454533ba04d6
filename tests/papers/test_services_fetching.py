"""The arXiv fetch: paging newest first, stopping at the last run, new papers returned and put in a draft digest."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from papers.models import Digest, Generation, ImportBatch, Summary
from papers.services.fetching import arxiv_fetch

pytestmark = pytest.mark.django_db

ENTRY = """<entry><id>http://arxiv.org/abs/2403.{n:05d}v1</id><published>{published}</published>
<updated>{published}</updated><title>Paper {n} on retrieval-augmented agents</title>
<summary>We study agents number {n}.</summary><author><name>Author {n}</name></author>
<arxiv:primary_category term="cs.CL"/><category term="cs.CL"/></entry>"""


def page(*entries: tuple[int, str]) -> bytes:
    body = "".join(ENTRY.format(n=n, published=published) for n, published in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>arXiv Query</title>{body}</feed>').encode()


class FakeApi:
    """arXiv's answers, one page per request, with the requests and pauses it saw."""

    def __init__(self, *pages: bytes):
        self.pages, self.urls, self.pauses = list(pages), [], []

    def get(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pages.pop(0)

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture
def paging(settings):
    settings.ARXIV_PAGE_SIZE, settings.ARXIV_MAX_RESULTS, settings.ARXIV_DELAY_SECONDS = 2, 10, 3.0


def test_pages_until_a_short_page_and_returns_the_new_papers(paging, django_capture_on_commit_callbacks):
    api = FakeApi(page((5, "2024-03-05T10:00:00Z"), (4, "2024-03-04T10:00:00Z")),
                  page((3, "2024-03-03T10:00:00Z"), (2, "2024-03-02T10:00:00Z")),
                  page((1, "2024-03-01T10:00:00Z")))
    with django_capture_on_commit_callbacks(execute=True):
        fetched = arxiv_fetch(get=api.get, sleep=api.sleep, today=dt.date(2024, 3, 5))
    assert [("start=0" in u, "start=2" in u, "start=4" in u) for u in api.urls] == [
        (True, False, False), (False, True, False), (False, False, True)]
    assert api.pauses == [3.0, 3.0]  # one request every 3 s, as arXiv asks
    assert (fetched.batch.created, fetched.batch.failed, fetched.batch.started_by) == (5, 0, "fetch:default")
    assert [p.arxiv_id for p in fetched.new_papers] == [f"2403.{n:05d}" for n in (5, 4, 3, 2, 1)]
    digest = Digest.objects.get(date=dt.date(2024, 3, 5), topic=None)
    assert [e.paper.arxiv_id for e in digest.entries.order_by("position")] == [p.arxiv_id for p in fetched.new_papers]
    # Queuing summaries is the caller's (the papers.fetch_arxiv task): the service queued none.
    assert not Summary.objects.exists() and not Generation.objects.exists()


def test_stops_at_the_last_successful_run(paging):
    last = ImportBatch.objects.create(source="earlier", started_by="fetch:default", state=ImportBatch.State.DONE)
    ImportBatch.objects.filter(pk=last.pk).update(started_at=dt.datetime(2024, 3, 3, 12, tzinfo=dt.UTC))
    api = FakeApi(page((5, "2024-03-05T10:00:00Z"), (4, "2024-03-04T10:00:00Z")),
                  page((3, "2024-03-03T10:00:00Z"), (2, "2024-03-02T10:00:00Z")),  # reaches back past the last run
                  page((1, "2024-03-01T10:00:00Z")))
    fetched = arxiv_fetch(get=api.get, sleep=api.sleep, today=dt.date(2024, 3, 5))
    assert len(api.urls) == 2 and len(api.pages) == 1
    assert fetched.batch.created == 4


def test_an_unreadable_page_ends_the_paging_and_is_reported(paging):
    api = FakeApi(b"<feed><entry>cut sh", page((9, "2024-03-09T10:00:00Z")))
    fetched = arxiv_fetch(get=api.get, sleep=api.sleep, today=timezone.localdate())
    assert len(api.urls) == 1
    assert fetched.batch.failed == 1 and fetched.new_papers == []
    assert "XML is malformed" in fetched.batch.errors.get().reason

