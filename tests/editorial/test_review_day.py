"""The day at a time screen: every entry in order, approve in place, publish at the end."""
from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import Status, Summary

pytestmark = pytest.mark.django_db


def test_review_day_page_lists_entries_with_checks(client, users, desk):
    client.force_login(users["reviewer"])
    body = client.get(reverse("admin:papers_digest_review", args=[desk.pk])).content.decode()
    assert body.count('class="review-card') == 28
    assert body.index("2402.19474") < body.index("2402.19465")  # digest order
    assert "names dropped in translation: MLLMs" in body and "review_day.js" in body


def test_approve_in_place_submits_and_approves(client, users, desk, clean_entry):
    url = reverse("admin:papers_digest_review_approve", args=[desk.pk, clean_entry.pk])
    client.force_login(users["editor"])
    assert client.post(url).status_code == 403  # editors cannot approve
    client.force_login(users["reviewer"])
    response = client.post(url)
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert client.post(url).status_code == 409  # already approved
    clean_entry.refresh_from_db()
    assert clean_entry.status == Status.APPROVED


def test_publish_at_the_end_of_the_day(client, users, desk):
    Summary.objects.filter(paper__digest_entries__digest=desk).update(status=Status.APPROVED)
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_digest_review_publish", args=[desk.pk])
    blocked = client.post(url)
    assert blocked.status_code == 409 and "Consistency checks fail" in blocked.content.decode()
    assert client.post(reverse("admin:papers_digest_transition", args=[desk.pk, "publish"]),
                       {"override": "1", "comment": "findings checked"}).status_code == 302
    desk.refresh_from_db()
    assert desk.status == Status.PUBLISHED and Summary.objects.filter(status=Status.PUBLISHED).count() == 28
