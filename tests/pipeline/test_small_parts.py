"""The smaller parts of the pipeline: rate limit, topics, async import, import progress, schedules."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from papers.summarizers import ratelimit
from papers.models import ImportBatch, Paper
from papers.services.generation import paper_to_summarize
from papers.summarizers.openai_compatible import OpenAICompatibleSummarizer
from papers.tasks import backoff
from papers.topics import classify_topic
from tests.factories import ImportBatchFactory, PaperFactory


def test_rate_limit_is_shared_through_redis(settings):
    ratelimit._redis().delete(*ratelimit._redis().keys("ratelimit:test-rl:*") or ["x"])
    clock = [1_000_040.0]  # 20 s into a minute window (windows start at multiples of 60)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    for _ in range(3):
        assert ratelimit.acquire("test-rl", 3, sleep=sleep, clock=lambda: clock[0]) == 0
    waited = ratelimit.acquire("test-rl", 3, sleep=sleep, clock=lambda: clock[0])
    assert waited == pytest.approx(40.01, abs=0.1) and len(slept) == 1  # until the next minute window


def test_concurrency_slots_cap_calls_in_flight(settings):
    name, held, most, lock = f"test-slots-{uuid.uuid4().hex}", [0], [0], threading.Lock()

    def call():
        with ratelimit.slot(name, 3, lease=30):
            with lock:
                held[0] += 1
                most[0] = max(most[0], held[0])
            time.sleep(0.05)
            with lock:
                held[0] -= 1

    threads = [threading.Thread(target=call) for _ in range(12)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 12 calls of 50 ms, 3 at a time: 4 rounds; a freed slot is taken at once (no 1-second poll).
    assert most[0] == 3 and time.monotonic() - started < 0.9


def test_a_dead_holders_slot_frees_when_its_lease_ends(settings):
    name = f"test-slots-{uuid.uuid4().hex}"
    redis = ratelimit._redis()
    redis.zadd(f"slots:{name}", {"killed-worker": time.time() + 0.3})  # a lease nobody will release
    with pytest.raises(TimeoutError, match="no free slot of 1"):
        with ratelimit.slot(name, 1, lease=30, max_wait=0.1):
            pass
    with ratelimit.slot(name, 1, lease=30, max_wait=5) as waited:
        assert 0 < waited < 2
    assert redis.zcard(f"slots:{name}") == 0  # released on the way out


def test_the_openai_backend_keeps_to_its_concurrency_setting(settings, fake_llm):
    server = fake_llm(latency=0.1)
    settings.SUMMARIZER_CONCURRENCY = 2
    settings.SUMMARIZER_MODEL = f"fake-{uuid.uuid4().hex}"  # a slot set of its own
    backend = OpenAICompatibleSummarizer()
    threads = [threading.Thread(target=backend._call, args=([{"role": "user", "content": "x"}], [0, 0]))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.calls) == 6 and server.most_in_flight == 2


def test_backoff_grows_and_is_jittered():
    samples = [backoff(4) for _ in range(200)]
    assert 0 <= min(samples) and max(samples) <= 80 and len(set(samples)) > 100
    assert backoff(20) <= 600


@pytest.mark.parametrize("title, topic", [
    ("RAG for code", "rag"), ("Retrieval-augmented generation at scale", "rag"),
    ("ArCHer: Training Language Model Agents via Hierarchical Multi-Turn RL", "agent"),
    ("On the Scaling Laws of Geographical Representation in Language Models", "llm-theory"),
    ("OpenMedLM: Prompt engineering can out-perform fine-tuning", "llm-applications"),
])
def test_topic_rules(title, topic):
    assert classify_topic(title, "") == topic


@pytest.mark.django_db
def test_schedules_are_rows_editable_in_the_admin(admin_client):
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert tasks == {"papers.fetch_announcements", "papers.retry_announcements", "papers.mark_interrupted_imports",
                     "papers.recount_published", "editorial.publish_scheduled", "subscriptions.send_week",
                     "subscriptions.send_pending"}
    fetch = PeriodicTask.objects.get(task="papers.fetch_announcements")
    assert (fetch.name, fetch.crontab.hour, fetch.crontab.minute, fetch.crontab.day_of_week) == (
        "Fetch arXiv's daily announcements", "5", "30", "1-5")  # after arXiv's midnight (US Eastern), weekdays
    assert admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


@pytest.mark.django_db
def test_the_published_counts_are_recounted_every_night():
    recount = PeriodicTask.objects.get(task="papers.recount_published")
    assert (recount.queue, recount.crontab.hour, recount.crontab.minute, recount.crontab.day_of_week) == (
        "default", "3", "40", "*")


@pytest.mark.django_db
def test_the_mail_schedules_are_rows_on_the_mail_queue():
    weekly = PeriodicTask.objects.get(task="subscriptions.send_week")
    assert (weekly.queue, weekly.crontab.day_of_week, weekly.crontab.hour, weekly.crontab.minute) == ("mail", "1", "7", "0")
    sweep = PeriodicTask.objects.get(task="subscriptions.send_pending")
    assert (sweep.queue, sweep.interval.every, sweep.interval.period) == ("mail", 600, "seconds")


@pytest.mark.django_db
def test_import_async_queues_the_same_import(seed_digest, capsys):
    call_command("import_papers", str(seed_digest), "--async")  # eager in tests: runs at once
    assert "queued import task" in capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert batch.started_by == "async" and batch.created == 28 and Paper.objects.count() == 28


@pytest.mark.django_db
def test_running_import_batch_page_refreshes_itself(admin_client):
    batch = ImportBatchFactory(processed=1200)  # running
    body = admin_client.get(reverse("admin:papers_importbatch_change", args=[batch.pk]),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'http-equiv="refresh"' in body and "1200 records read" in body


@pytest.mark.django_db
def test_a_summarizer_reads_the_paper_it_is_given_and_only_what_it_needs():
    stored = PaperFactory(title="Retrieval for agents", abstract="We retrieve.", version=3)
    paper = paper_to_summarize(stored.pk)
    assert (paper.pk, paper.arxiv_id, paper.version, paper.title, paper.abstract) == (
        stored.pk, stored.arxiv_id, 3, "Retrieval for agents", "We retrieve.")
    assert not paper._state.adding and "search_vector" in paper.get_deferred_fields()
    assert paper.author_names() == stored.author_names()
    assert paper_to_summarize(stored.pk + 1000) is None
