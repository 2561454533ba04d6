"""editorial.dashboard: the queues oldest first across states, the counts in one statement, the next digest."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers.models import ImportBatch, Status, Summary
from tests.factories import DigestFactory, ImportBatchFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def dashboard(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.context, queries


def test_the_queues_are_the_oldest_across_their_states(client, users):
    """Each state's oldest come from its index; merged, they are the oldest of all (not of one state)."""
    states = [Status.DRAFT, Status.CHANGES_REQUESTED, Status.IN_REVIEW, Status.APPROVED, Status.PUBLISHED]
    now = timezone.now()
    entries = []
    for n in range(40):  # states round-robin, ages shuffled across them
        entry = SummaryFactory()
        Summary.objects.filter(pk=entry.pk).update(status=states[n % 5], modified_at=now - dt.timedelta(hours=(n * 17) % 40))
        entries.append(entry)
    by_age = list(Summary.objects.order_by("modified_at").values_list("pk", "status"))
    context, _ = dashboard(client, users["editor"])
    waiting = [pk for pk, status in by_age if status in (Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)]
    assert [s.pk for s in context["oldest"]] == waiting[:5]
    sent_back = [pk for pk, status in by_age if status == Status.CHANGES_REQUESTED]
    drafts = [pk for pk, status in by_age if status == Status.DRAFT]
    assert [s.pk for s in context["mine"]] == (sent_back + drafts)[:10]  # an editor's: sent back first, then drafts


def test_every_state_is_counted_in_one_statement(client, users, monkeypatch):
    from editorial import dashboard as module

    for status in (Status.DRAFT, Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED):
        SummaryFactory(status=status)
    monkeypatch.setattr(module, "ESTIMATE_ABOVE", 1)  # two drafts: "about", from the planner
    context, queries = dashboard(client, users["editor"])
    counts = {value: n for _, value, n in context["counts"]}
    assert counts["in_review"] == 1 and counts["published"] == 1 and counts["approved"] == 0
    assert counts["draft"].startswith("≈ ")
    counting = [q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "papers_summary" in q["sql"]]
    assert len(counting) == 1 and counting[0].count("UNION ALL") == len(Status) - 1


def test_the_next_digest_is_the_newest_unpublished_up_to_today_else_todays(client, users):
    today = timezone.localdate()
    published_today = DigestFactory(date=today, status=Status.PUBLISHED)
    DigestFactory(date=today + dt.timedelta(days=1))  # tomorrow's: not yet
    older = DigestFactory(date=today - dt.timedelta(days=3))
    newer = DigestFactory(date=today - dt.timedelta(days=1))
    DigestFactory(date=today - dt.timedelta(days=2), status=Status.PUBLISHED)
    context, queries = dashboard(client, users["editor"])
    assert context["digest"] == newer
    assert sum('FROM "papers_digest"' in q["sql"] for q in queries) == 1
    for digest in (newer, older):
        digest.delete()
        assert dashboard(client, users["editor"])[0]["digest"] == (older if digest == newer else published_today)


def test_imports_running_and_interrupted_in_one_query(client, users, monkeypatch):
    from editorial import imports

    monkeypatch.setattr(imports, "import_batches_mark_interrupted", lambda: [])  # these test rows have no process
    now = timezone.now()

    def batch(state, age):
        made = ImportBatchFactory(state=state)
        ImportBatch.objects.filter(pk=made.pk).update(started_at=now - age)  # started_at is set on create
        return made

    running = [batch("running", dt.timedelta(hours=n)) for n in range(3)]
    interrupted = batch("interrupted", dt.timedelta(days=1))
    batch("interrupted", dt.timedelta(days=imports.INTERRUPTED_DAYS + 1))
    batch("done", dt.timedelta(0))
    context, queries = dashboard(client, users["editor"])
    assert context["imports_running"] == running and context["imports_interrupted"] == [interrupted]
    assert sum('FROM "papers_importbatch"' in q["sql"] for q in queries) == 1
