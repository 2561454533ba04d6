"""The pipeline with a real Celery worker on the real Redis and PostgreSQL."""
from __future__ import annotations


import pytest
from django.utils import timezone

from papers.models import Digest, Generation, ImportBatch, Paper, Status, Summary
from papers.tasks import fetch_arxiv, summarize_paper

from .conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_fetch_import_summarize_and_draft_digest(worker, fake_llm, arxiv_api):
    server = fake_llm("good")
    worker().start()
    batch_id = fetch_arxiv.delay("default").get(timeout=60)

    batch = ImportBatch.objects.get(pk=batch_id)
    assert (batch.created, batch.failed, batch.started_by) == (3, 0, "fetch:default")
    path, agent = arxiv_api["requests"][0]
    assert "search_query=" in path and "sortBy=submittedDate" in path and agent.startswith("Paperdesk/")
    assert dict(Paper.objects.values_list("arxiv_id", "topic__slug")) == {  # papers.topics rules
        "2402.19474": "llm-applications", "2402.19465": "llm-theory", "2402.19446": "agent"}
    wait_for(lambda: Summary.objects.filter(machine_state="ok").count() == 3)
    assert set(Summary.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert len(server.calls) == 3
    digest = Digest.objects.get(date=timezone.localdate(), topic=None)
    assert digest.status == Status.DRAFT and digest.entries.count() == 3

    # Running the batch again makes no new LLM calls and no new papers.
    again = ImportBatch.objects.get(pk=fetch_arxiv.delay("default").get(timeout=60))
    assert again.created == 0 and again.unchanged == 3
    queued = [summarize_paper.delay(paper.pk) for paper in Paper.objects.all()]
    wait_for(llm_queue_drained)
    assert len(server.calls) == 3 and Generation.objects.filter(kind="backend").count() == 3
    assert {result.state for result in queued} == {"PENDING"}  # no result stored: nobody reads it


def llm_queue_drained() -> bool:
    """Nothing waiting in the llm queue and nothing delivered but unacknowledged (acks come after the task)."""
    from config.celery import app

    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen("llm") == 0 and client.hlen("unacked") == 0


def test_429_with_retry_after_is_retried_by_the_worker(worker, fake_llm, data_dir):
    from papers.services.ingest import import_sources

    server = fake_llm("429", "500", "good")
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    worker().start()
    paper = Paper.objects.get(arxiv_id="2402.19474")
    summarize_paper.delay(paper.pk)
    wait_for(lambda: Summary.objects.filter(paper=paper, machine_state="ok").exists(), timeout=90)
    assert len(server.calls) == 3


def test_worker_killed_mid_summary_runs_again_and_makes_exactly_one(worker, fake_llm, data_dir):
    from papers.services.ingest import import_sources

    server = fake_llm("good", latency=3.0, timeout=10.0)
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    paper = Paper.objects.get(arxiv_id="2402.19474")
    first = worker(CELERY_VISIBILITY_TIMEOUT="5", CELERY_UNACKED_RESTORE_THROTTLE="1").start()
    summarize_paper.delay(paper.pk)
    assert server.call_started.wait(30), "the worker never called the LLM"
    first.kill()  # SIGKILL while the LLM call is in flight
    assert not Generation.objects.exists()

    worker(CELERY_VISIBILITY_TIMEOUT="5", CELERY_UNACKED_RESTORE_THROTTLE="1").start()  # delivered again
    wait_for(lambda: Summary.objects.filter(paper=paper, machine_state="ok").exists(), timeout=90)
    assert Generation.objects.filter(summary__paper=paper).count() == 1
    assert Summary.objects.filter(paper=paper).count() == 1
    assert len(server.calls) == 2
