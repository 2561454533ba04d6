"""The smaller parts of the pipeline: rate limit, topics, async import, import progress, schedules."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from papers import ratelimit
from papers.models import ImportBatch, Paper
from papers.tasks import backoff
from papers.topics import classify_topic


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
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"papers.fetch_arxiv", "editorial.publish_scheduled"} <= names
    assert admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


@pytest.mark.django_db
def test_import_async_queues_the_same_import(seed_digest, capsys):
    call_command("import_papers", str(seed_digest), "--async")  # eager in tests: runs at once
    assert "queued import task" in capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert batch.started_by == "async" and batch.created == 28 and Paper.objects.count() == 28


@pytest.mark.django_db
def test_running_import_batch_page_refreshes_itself(admin_client):
    batch = ImportBatch.objects.create(source="x", processed=1200)
    body = admin_client.get(reverse("admin:papers_importbatch_change", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' in body and "1200 records read" in body
