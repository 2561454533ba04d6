"""Celery tasks of papers: what each queues after its service returns."""
from __future__ import annotations

from pathlib import Path

import pytest

from papers.models import FetchDay, Generation, ImportBatch, Summary
from papers.services.ledger import arxiv_today
from papers.tasks import fetch_announcements, fetch_arxiv, retry_announcements
from tests.pipeline.conftest import arxiv_api  # noqa: F401 - the recorded arXiv API, served locally

pytestmark = pytest.mark.django_db


def test_the_task_queues_a_summary_for_each_new_paper(arxiv_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = fetch_arxiv("default")  # eager Celery: the queued summaries run when the test commits
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.created == 3 and len(arxiv_api["requests"]) == 1
    assert Generation.objects.filter(kind="backend").count() == 3  # one machine summary per new paper
    assert set(Summary.objects.values_list("status", flat=True)) == {"draft"}


ANNOUNCEMENTS = Path(__file__).resolve().parents[1] / "data" / "arxiv_announce" / "rss_cs.CL+cs.AI_2024-03-04.xml"


def test_the_scheduled_fetch_reads_the_announcements_and_queues_the_days_summaries(
        arxiv_api, settings, django_capture_on_commit_callbacks):
    arxiv_api["body"] = ANNOUNCEMENTS.read_bytes()
    settings.ARXIV_RSS_URL = arxiv_api["url"].replace("/api/query", "/rss")
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = fetch_announcements()
    batch = ImportBatch.objects.get(pk=batch_id)
    assert (batch.created, batch.failed, batch.started_by) == (3, 0, "announce:cs.CL+cs.AI+cs.LG")
    assert [path for path, _ in arxiv_api["requests"]] == ["/rss/cs.CL+cs.AI+cs.LG"]
    summarized = Generation.objects.filter(kind="backend").values_list("summary__paper__arxiv_id", flat=True)
    assert sorted(summarized) == ["2403.00101", "2403.00150"]  # the day's selected papers, not the others


def test_a_failed_fetch_is_tried_again_on_the_schedule_until_it_succeeds(arxiv_api, settings):
    settings.ARXIV_RSS_URL = arxiv_api["url"].replace("/api/query", "/rss")
    assert retry_announcements() is None and arxiv_api["requests"] == []  # nothing failed: no request at all
    today = arxiv_today()
    arxiv_api["body"] = b"<html>503 Service Unavailable</html>"
    fetch_announcements()
    failed = FetchDay.objects.get(day=today, category="cs.CL")
    assert (failed.state, failed.attempts, failed.error) == (
        "failed", 1, "not an RSS or Atom announcement feed (its root is <html>)")
    assert failed.batch.state == ImportBatch.State.FAILED

    retry_announcements()  # the scheduled retry: arXiv still answers with an error page
    assert FetchDay.objects.get(day=today, category="cs.CL").attempts == 2 and len(arxiv_api["requests"]) == 2

    arxiv_api["body"] = ANNOUNCEMENTS.read_bytes().replace(b"Mon, 04 Mar 2024", today.strftime("%a, %d %b %Y").encode())
    batch_id = retry_announcements()
    assert ImportBatch.objects.get(pk=batch_id).created == 3
    fetched = FetchDay.objects.get(day=today, category="cs.CL")
    assert (fetched.state, fetched.attempts, fetched.error, fetched.announced["new"]) == ("fetched", 3, "", 2)
    assert retry_announcements() is None and len(arxiv_api["requests"]) == 3  # read: no more tries