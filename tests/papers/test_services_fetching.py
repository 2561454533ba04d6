"""The arXiv fetch: the day's announcements, the search API's paging (named queries, back-fill of a range)."""
from __future__ import annotations

import datetime as dt
import urllib.parse
from pathlib import Path

import pytest
from django.utils import timezone

from papers.importers.sources import InputError
from papers.models import Digest, Generation, ImportBatch, Paper, Summary
from papers.services.fetching import arxiv_announcements_fetch, arxiv_backfill, arxiv_fetch
from papers.services.ingest import import_sources

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



# --- arXiv's announcement feeds -------------------------------------------------

FEEDS = Path(__file__).resolve().parents[1] / "data" / "arxiv_announce"
RSS = (FEEDS / "rss_cs.CL+cs.AI_2024-03-04.xml").read_bytes()
ATOM = (FEEDS / "atom_cs.CL+cs.AI_2024-03-04.xml").read_bytes()


class FakeFeed:
    """arXiv's announcement server: one body (or a failure) for every request, and the URLs it saw."""

    def __init__(self, body: bytes | InputError):
        self.body, self.urls = body, []

    def get(self, url: str) -> bytes:
        self.urls.append(url)
        if isinstance(self.body, InputError):
            raise self.body
        return self.body


@pytest.mark.parametrize("body", [RSS, ATOM], ids=["rss", "atom"])
def test_announcements_import_the_day_and_bump_replaced_versions(body, seed_digest):
    import_sources([str(seed_digest)])
    seed_abstract = Paper.objects.get(arxiv_id="2402.19474").abstract
    feed = FakeFeed(body)
    fetched = arxiv_announcements_fetch(get=feed.get)
    assert feed.urls == ["https://rss.arxiv.org/rss/cs.CL+cs.AI+cs.LG"]
    batch = fetched.batch
    assert (batch.created, batch.updated, batch.unchanged, batch.failed, batch.state) == (3, 2, 1, 0, "done")
    assert batch.started_by == "announce:cs.CL+cs.AI+cs.LG" and batch.format == "arxiv-announce"
    assert fetched.day == dt.date(2024, 3, 4)
    assert fetched.announced == {"new": 2, "cross": 1, "replace": 2, "replace-cross": 1}
    # new and cross are the day's papers; those matching ARXIV_SELECT go in its draft digest, for summaries.
    assert [p.arxiv_id for p in fetched.new_papers] == ["2403.00101", "2403.00150"]
    digest = Digest.objects.get(date=dt.date(2024, 3, 4), topic=None)
    assert list(digest.entries.order_by("position").values_list("paper__arxiv_id", flat=True)) == [
        "2403.00101", "2403.00150"]
    assert Paper.objects.filter(arxiv_id="2403.00102").exists()  # imported, not the site's: no digest, no summary
    # A replacement is a new version of the paper we have, never a second paper, nor a paper we never had.
    replaced = Paper.objects.get(arxiv_id="2402.19474")
    assert (replaced.version, replaced.updated, replaced.journal_ref) == (2, dt.date(2024, 3, 4), "Proceedings of ECCV 2024")
    assert replaced.abstract != seed_abstract and replaced.abstract.endswith("releases the full training data.")
    assert replaced.published == dt.date(2024, 2, 29)  # the first version's date stays
    assert Paper.objects.get(arxiv_id="2402.19446").version == 3
    assert Paper.objects.filter(arxiv_id__startswith="2402.19474").count() == 1
    assert not Paper.objects.filter(arxiv_id="2401.00001").exists()
    assert not Summary.objects.filter(paper__arxiv_id__startswith="2403.").exists()  # queuing is the task's


def test_announcements_run_twice_add_nothing(settings):
    first = arxiv_announcements_fetch(get=FakeFeed(RSS).get)
    again = arxiv_announcements_fetch(get=FakeFeed(RSS).get)
    assert (again.batch.created, again.batch.updated) == (0, 0)
    assert Digest.objects.get(date=dt.date(2024, 3, 4)).entries.count() == 2
    assert [p.pk for p in again.new_papers] == [p.pk for p in first.new_papers]  # still without a summary


def test_announcements_of_the_configured_categories_and_selection(settings):
    settings.ARXIV_CATEGORIES, settings.ARXIV_SELECT = ["cs.CL"], ""
    feed = FakeFeed(RSS)
    fetched = arxiv_announcements_fetch(get=feed.get)
    assert feed.urls == ["https://rss.arxiv.org/rss/cs.CL"] and fetched.batch.started_by == "announce:cs.CL"
    assert [p.arxiv_id for p in fetched.new_papers] == ["2403.00101", "2403.00102", "2403.00150"]  # no selection


def test_an_unreachable_feed_is_a_failed_batch():
    fetched = arxiv_announcements_fetch(get=FakeFeed(InputError("https://rss.arxiv.org/rss/cs.CL", "cannot fetch: timed out")).get)
    assert fetched.new_papers == [] and fetched.batch.state == ImportBatch.State.FAILED
    assert [str(e) for e in fetched.batch.errors.all()] == [
        "https://rss.arxiv.org/rss/cs.CL+cs.AI+cs.LG:?: cannot fetch: timed out"]


def test_a_weekday_without_items_is_a_failed_batch_and_a_weekend_a_quiet_one():
    weekday = FakeFeed(RSS.split(b"<item>")[0] + b"</channel></rss>")
    failed = arxiv_announcements_fetch(get=weekday.get)
    assert failed.batch.state == ImportBatch.State.FAILED and failed.new_papers == []
    assert "no items on Monday 2024-03-04" in failed.batch.errors.get().reason
    weekend = arxiv_announcements_fetch(get=FakeFeed((FEEDS / "rss_cs.CL+cs.AI_2024-03-09_saturday.xml").read_bytes()).get)
    assert (weekend.batch.state, weekend.batch.failed, weekend.day) == (ImportBatch.State.DONE, 0, dt.date(2024, 3, 9))
    assert weekend.batch.errors.get().level == "note" and not Digest.objects.exists()


def test_backfill_pages_the_search_api_for_a_date_range(paging):
    api = FakeApi(page((5, "2024-03-04T10:00:00Z"), (4, "2024-03-03T10:00:00Z")), page((3, "2024-03-01T10:00:00Z")))
    batch = arxiv_backfill(start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 4), get=api.get, sleep=api.sleep)
    assert (batch.created, batch.failed, batch.started_by) == (3, 0, "backfill:2024-03-01..2024-03-04")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(api.urls[0]).query)["search_query"]
    assert query == ["(cat:cs.CL OR cat:cs.AI OR cat:cs.LG) AND submittedDate:[202403010000 TO 202403042359]"]
    assert len(api.urls) == 2 and api.pauses == [3.0]
    assert not Digest.objects.exists() and not Summary.objects.exists()  # papers only


def test_backfill_refuses_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        arxiv_backfill(start=dt.date(2024, 3, 4), end=dt.date(2024, 3, 1), get=FakeApi().get)
