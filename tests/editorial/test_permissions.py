"""Permissions are enforced on the server: a POST per role × transition."""
from __future__ import annotations

import pytest
from django.urls import reverse

from editorial import workflow
from papers.models import Status, Summary
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db

# The state each transition starts from, and who may make it.
START = {"submit": Status.DRAFT, "approve": Status.IN_REVIEW, "request_changes": Status.IN_REVIEW,
         "publish": Status.APPROVED, "unpublish": Status.PUBLISHED}
ALLOWED = {"editor": {"submit"}, "reviewer": set(START), "admin": set(START)}


@pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
@pytest.mark.parametrize("name", list(START))
@pytest.mark.parametrize("kind", ["summary", "digest"])
def test_role_by_transition(client, users, desk, entry, role, name, kind):
    obj = entry if kind == "summary" else desk
    type(obj).objects.filter(pk=obj.pk).update(status=START[name])
    if kind == "digest":  # a digest publishes only when its entries are ready
        entry.__class__.objects.filter(paper__digest_entries__digest=desk).update(status=Status.APPROVED)
    client.force_login(users[role])
    # override: the seed entry has a check finding; permissions are what this test is about
    response = client.post(reverse(f"admin:papers_{kind}_transition", args=[obj.pk, name]),
                           {"comment": "x", "override": "1"})
    obj.refresh_from_db()
    if name in ALLOWED[role]:
        assert response.status_code == 302, response.content[:300]
        assert obj.status == workflow.TRANSITIONS[name].target
    else:
        assert response.status_code == 403
        assert obj.status == START[name]


def test_get_is_not_a_transition(client, users, entry):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:papers_summary_transition", args=[entry.pk, "submit"])).status_code == 405


def test_anonymous_is_sent_to_login(client, entry):
    response = client.post(reverse("admin:papers_summary_transition", args=[entry.pk, "submit"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT


def test_bulk_action_respects_permissions(client, users):
    ids = [summary.pk for summary in SummaryFactory.create_batch(3)]
    client.force_login(users["editor"])
    url = reverse("admin:papers_summary_changelist")
    client.post(url, {"action": "submit_selected", "_selected_action": ids})
    assert set(Summary.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.IN_REVIEW}
    client.post(url, {"action": "approve_selected", "_selected_action": ids})  # not offered to an editor
    assert set(Summary.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.IN_REVIEW}
    client.force_login(users["reviewer"])
    client.post(url, {"action": "approve_selected", "_selected_action": ids})
    assert set(Summary.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.APPROVED}
