"""The report-an-error loop and the index pages on the demo's setup: SQLite and the local-memory cache."""
from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from papers.models import ErrorReport
from tests.sqlite.helpers import ASMV2

pytestmark = pytest.mark.django_db


def send(client: Client, comment: str):
    url = reverse("report-error", args=[ASMV2])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode())[1]
    return client.post(url, {"csrfmiddlewaretoken": token, "kind": "translation", "comment": comment})


@override_settings(REPORT_RATE="2/h")
def test_reports_are_taken_folded_and_rate_limited_in_local_memory(published):
    client = Client(enforce_csrf_checks=True)
    assert [send(client, text).status_code for text in ("MMLMs", "mmlms ", "again")] == [200, 200, 429]
    assert list(ErrorReport.objects.values_list("comment", "count")) == [("MMLMs", 2)]


def test_index_pages_count_published_papers(client, published):
    topics = client.get(reverse("topic-index")).content.decode()
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', topics)]
    assert sum(counts) == 42 and all(counts)  # every seed paper has a topic, and every listed topic a paper
    authors = client.get(reverse("author-index") + "?q=wang").content.decode()
    assert "Liansheng Wang" in authors and "Chenyu Lian" not in authors
    assert client.get(reverse("tag-index")).status_code == 200
