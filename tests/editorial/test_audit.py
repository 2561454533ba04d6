"""Every way a state or an assignee changes is recorded: imports, the workflow, the admin's forms and actions."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from editorial import workflow
from editorial.models import AuditEntry
from papers.services import page_versions
from papers.models import Digest, Status, Summary
from papers.services.ingest import IngestOptions, import_sources
from tests.editorial.test_editing import change_url, form_data

pytestmark = pytest.mark.django_db


def test_publishing_at_import_is_audited_like_the_desk(seed_digest, django_capture_on_commit_callbacks):
    site = cache.get(f"tagv:{page_versions.SITE_TAG}", 0)
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_sources([str(seed_digest)], options=IngestOptions(publish=True), started_by="command")
    assert cache.get(f"tagv:{page_versions.SITE_TAG}", 0) > site  # the public pages went stale
    rows = set(AuditEntry.objects.values_list("action", "from_state", "to_state", "user", "comment"))
    assert rows == {("import", "draft", "published", None, f"import batch #{batch.pk} (command)")}
    assert AuditEntry.objects.filter(summary__isnull=False).count() == 28
    assert AuditEntry.objects.get(digest__isnull=False).digest == Digest.objects.get()
    latest = Summary.objects.get(paper__arxiv_id="2402.19474").history.first()
    assert (latest.status, latest.history_change_reason) == ("published", f"import: import batch #{batch.pk} (command)")

    again = import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    assert again.unchanged == 28 and AuditEntry.objects.count() == 29  # nothing to publish twice


def test_an_import_that_publishes_existing_entries_logs_where_they_were(desk, seed_digest):
    entry = Summary.objects.get(paper__arxiv_id="2402.19446")
    workflow.transition(entry, "submit", user=None)
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    assert AuditEntry.objects.get(summary=entry, action="import").from_state == "in_review"
    assert AuditEntry.objects.get(digest=desk, action="import").from_state == "draft"
    assert set(Summary.objects.values_list("status", flat=True)) == {Status.PUBLISHED}


def test_assign_action_is_logged(client, users, desk):
    ids = list(Summary.objects.order_by("pk").values_list("pk", flat=True)[:2])
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_summary_changelist")
    client.post(url, {"action": "assign_reviewer", "_selected_action": ids, "assignee": users["reviewer"].pk})
    log = set(AuditEntry.objects.values_list("summary", "action", "from_state", "to_state", "user__username", "comment"))
    assert log == {(pk, "assign", "draft", "draft", "reviewer", "assigned to reviewer") for pk in ids}


def test_only_a_reviewer_can_be_assigned(users, desk):
    entries = list(Summary.objects.all()[:1])
    with pytest.raises(workflow.TransitionError, match="may not review"):
        workflow.assign(entries, assignee=users["editor"], user=users["admin"])
    assert not AuditEntry.objects.exists() and entries[0].assignee is None


def test_the_entry_form_assigns_through_the_workflow(client, users, entry):
    client.force_login(users["editor"])
    response = client.post(change_url(entry), form_data(entry, reviewer=users["reviewer"].pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.assignee == users["reviewer"]
    assert AuditEntry.objects.get(summary=entry).comment == "assigned to reviewer"
    # Saving again without changing the reviewer logs nothing more.
    client.post(change_url(entry), form_data(entry, reviewer=users["reviewer"].pk))
    assert AuditEntry.objects.filter(summary=entry).count() == 1


def test_reverting_to_a_draft_revision_keeps_the_entry_published(client, users, clean_entry):
    entry = clean_entry
    first = entry.history.order_by("history_date").first()
    for name, user in (("submit", "editor"), ("approve", "reviewer"), ("publish", "reviewer")):
        workflow.transition(entry, name, user=users[user])
    entry.refresh_from_db()
    client.force_login(users["admin"])
    url = reverse("admin:papers_summary_simple_history", args=[entry.pk, first.pk])
    response = client.post(url, form_data(entry, headline_zh="回到第一版", revision_seen=entry.revision))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.headline_zh, entry.status) == ("回到第一版", Status.PUBLISHED)
    assert entry.history.first().status == Status.PUBLISHED  # the revision records the state it kept
