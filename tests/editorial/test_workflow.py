"""The workflow on PostgreSQL: transitions, audit, signals, digests, scheduling."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from editorial import workflow
from editorial.models import AuditEntry
from editorial.signals import state_changed
from papers.models import Status, Summary
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def test_full_cycle_is_audited_and_signalled(users, entry, django_capture_on_commit_callbacks):
    seen = []
    state_changed.connect(lambda **kw: seen.append((kw["action"], kw["to_state"])), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            workflow.transition(entry, "submit", user=users["editor"], comment="ready")
            workflow.transition(entry, "request_changes", user=users["reviewer"], comment="headline too long")
            workflow.transition(entry, "submit", user=users["editor"])
            workflow.transition(entry, "approve", user=users["reviewer"])
            with pytest.raises(workflow.ChecksFailed, match="MLLMs"):
                workflow.transition(entry, "publish", user=users["reviewer"])
            with pytest.raises(workflow.TransitionError, match="needs a comment"):
                workflow.transition(entry, "publish", user=users["reviewer"], override=True)
            workflow.transition(entry, "publish", user=users["reviewer"], override=True, comment="MMLMs is fixed upstream")
            workflow.transition(entry, "unpublish", user=users["reviewer"], comment="withdrawn")
    finally:
        state_changed.disconnect(dispatch_uid="t")
    entry.refresh_from_db()
    assert entry.status == Status.UNPUBLISHED
    log = list(AuditEntry.objects.filter(summary=entry).order_by("id").values_list("action", "from_state", "to_state", "user__username", "comment"))
    assert log[0] == ("submit", "draft", "in_review", "editor", "ready")
    assert log[1] == ("request_changes", "in_review", "changes_requested", "reviewer", "headline too long")
    assert [row[0] for row in log] == ["submit", "request_changes", "submit", "approve", "publish", "unpublish"]
    assert "checks overridden: abstract_zh: names dropped in translation: MLLMs" in log[4][4]
    assert seen == [(row[0], row[2]) for row in log]


def test_transition_from_the_wrong_state_is_refused(users, entry):
    with pytest.raises(workflow.TransitionError):
        workflow.transition(entry, "publish", user=users["reviewer"])
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT and not AuditEntry.objects.exists()


def test_editor_may_not_approve(users, entry):
    workflow.transition(entry, "submit", user=users["editor"])
    with pytest.raises(PermissionDenied):
        workflow.transition(entry, "approve", user=users["editor"])


def test_digest_publish_is_blocked_by_unapproved_entries(users, desk):
    # In the digest's order: the first two (2402.19474, 2402.19465) are the ones approved below.  Unordered,
    # PostgreSQL returned the rows in whatever order its plan gave, and another pair passed the checks.
    entries = list(Summary.objects.filter(paper__digest_entries__digest=desk).order_by("paper__digest_entries__position"))
    for summary in entries[:2]:
        workflow.transition(summary, "submit", user=users["editor"])
        workflow.transition(summary, "approve", user=users["reviewer"])
    workflow.transition(desk, "submit", user=users["editor"])
    workflow.transition(desk, "approve", user=users["reviewer"])
    with pytest.raises(workflow.DigestBlocked) as blocked:
        workflow.transition(desk, "publish", user=users["reviewer"])
    assert len(blocked.value.blockers) == 26 and "2402.19464" in str(blocked.value)
    desk.refresh_from_db()
    assert desk.status == Status.APPROVED

    with pytest.raises(workflow.ChecksFailed) as failing:  # both approved entries have check findings
        workflow.transition(desk, "publish", user=users["reviewer"], leave_out=True, comment="two are enough today")
    assert {s.paper.arxiv_id for s in failing.value.problems} == {"2402.19474", "2402.19465"}
    workflow.transition(desk, "publish", user=users["reviewer"], leave_out=True, override=True,
                        comment="two are enough today; findings checked by hand")
    desk.refresh_from_db()
    assert desk.status == Status.PUBLISHED
    assert Summary.objects.filter(status=Status.PUBLISHED).count() == 2
    assert AuditEntry.objects.filter(action="publish", summary__isnull=False).count() == 2


def test_publishing_a_clean_entry_needs_no_override(users):
    entry = SummaryFactory()  # passes every check
    for name, user in (("submit", "editor"), ("approve", "reviewer"), ("publish", "reviewer")):
        workflow.transition(entry, name, user=users[user])
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED


def test_publishing_from_the_desk_refreshes_the_cached_pages(client, users, django_capture_on_commit_callbacks):
    """The desk's publish (not a save of the state field) is what makes the cached home and topic pages show it."""
    SummaryFactory(published=True)  # the pages exist and are cached before the new entry goes live
    entry = SummaryFactory(paper__title="A Paper the Desk Publishes Now", paper__abstract="A plain abstract.")
    topic_url = f"/topic/{entry.paper.topic.slug}/"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(entry, "submit", user=users["editor"])
        workflow.transition(entry, "approve", user=users["reviewer"])
    for url in ("/", topic_url):
        assert client.get(url)["X-Cache"] == "miss"
        page = client.get(url)
        assert page["X-Cache"] == "hit" and "A Paper the Desk Publishes Now" not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(entry, "publish", user=users["reviewer"])

    for url in ("/", topic_url):
        page = client.get(url)
        assert page["X-Cache"] == "miss" and "A Paper the Desk Publishes Now" in page.content.decode(), url


def test_scheduled_publishing(users):
    entry = SummaryFactory()
    workflow.transition(entry, "submit", user=users["editor"])
    workflow.transition(entry, "approve", user=users["reviewer"])
    entry.publish_at = timezone.now() + dt.timedelta(hours=1)
    entry.save(update_fields=["publish_at"])
    assert workflow.publish_due() == []
    done = workflow.publish_due(now=timezone.now() + dt.timedelta(hours=2))
    entry.refresh_from_db()
    assert len(done) == 1 and entry.status == Status.PUBLISHED and entry.publish_at is None
    assert done[0].user is None and done[0].comment == "scheduled"


def test_scheduled_publishing_task_runs(users):
    entry = SummaryFactory()
    from editorial.tasks import publish_scheduled

    workflow.transition(entry, "submit", user=users["editor"])
    workflow.transition(entry, "approve", user=users["reviewer"])
    Summary.objects.filter(pk=entry.pk).update(publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert publish_scheduled.delay().get() == 1
    entry.refresh_from_db()
    assert (entry.status, entry.publish_at) == (Status.PUBLISHED, None)
    assert publish_scheduled.delay().get() == 0  # nothing left to publish
