"""E-mail subscriptions on the demo's setup: SQLite, tasks in-process, mail through Django's backend (here locmem)."""
from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from papers.models import Digest, Status
from papers.services.transitions import state_change
from subscriptions.models import Delivery, Subscription
from subscriptions.tokens import CONFIRM, make
from tests.sqlite.helpers import ASMV2

pytestmark = pytest.mark.django_db


def test_a_saved_search_is_confirmed_and_mailed_once_when_its_day_is_published(client, published,
                                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/subscribe/", {"email": "reader@example.org", "kind": "search",
                                               "target": "q=relation comprehension", "language": "en",
                                               "frequency": "daily"})
    assert response.status_code == 302
    [confirmation] = mail.outbox
    subscription = Subscription.objects.get()
    token = make(CONFIRM, email=subscription.email, subscription_id=subscription.pk)
    assert token.split(":")[0] in confirmation.body
    assert client.get(f"/subscribe/confirm/{token}/").status_code == 200

    digest = Digest.objects.get(date=date(2024, 2, 29))
    for _ in range(2):  # withdrawn and published again: still one mail for the day
        state_change(objects=[digest], action="unpublish", target=Status.UNPUBLISHED)
        with django_capture_on_commit_callbacks(execute=True):
            state_change(objects=[digest], action="publish", target=Status.PUBLISHED)
    [day] = mail.outbox[1:]
    assert day.to == ["reader@example.org"] and f"/paper/{ASMV2}/" in day.body
    assert day.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert list(Delivery.objects.values_list("period", "state", "entries")) == [("2024-02-29", "sent", 1)]
