"""Celery tasks of papers: what each queues after its service returns."""
from __future__ import annotations

import pytest

from papers.models import Generation, ImportBatch, Summary
from papers.tasks import fetch_arxiv
from tests.pipeline.conftest import arxiv_api  # noqa: F401 - the recorded arXiv API, served locally

pytestmark = pytest.mark.django_db


def test_the_task_queues_a_summary_for_each_new_paper(arxiv_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = fetch_arxiv("default")  # eager Celery: the queued summaries run when the test commits
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.created == 3 and len(arxiv_api["requests"]) == 1
    assert Generation.objects.filter(kind="backend").count() == 3  # one machine summary per new paper
    assert set(Summary.objects.values_list("status", flat=True)) == {"draft"}
