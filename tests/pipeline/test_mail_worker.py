"""A day's mail sent by a real Celery worker (the ``mail`` queue) through a real SMTP server: retried, never doubled."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from papers.models import Status
from papers.services.transitions import state_change
from subscriptions.models import Delivery
from tests.factories import DigestFactory, PaperFactory, SubscriptionFactory, SummaryFactory
from tests.subscriptions.smtp import smtp  # noqa: F401 (the fixture)

from .conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def mail_env(smtp, **extra) -> dict:
    return {"EMAIL_URL": smtp.url, "DEFAULT_FROM_EMAIL": "Paperdesk <digest@paperdesk.test>",
            "SITE_URL": "https://paperdesk.test", **extra}


def publish_a_day_for(subscription) -> None:
    paper = PaperFactory(topic__slug=subscription.target)
    SummaryFactory(paper=paper, published=True)
    digest = DigestFactory(date=dt.date(2024, 4, 2), papers=[paper])
    state_change(objects=[digest], action="publish", target=Status.PUBLISHED)  # commits: the signal queues the day


def test_a_refusing_smtp_server_is_retried_with_backoff_and_the_mail_sent_once(worker, smtp):
    subscription = SubscriptionFactory(target="agent")
    smtp.refuse = 2
    worker(**mail_env(smtp)).start()
    publish_a_day_for(subscription)

    [message] = smtp.wait_for(1, timeout=60)
    assert message["To"] == subscription.email and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp.refused == 2
    delivery = wait_for(lambda: Delivery.objects.filter(state="sent").first())
    assert (delivery.period, delivery.attempts, delivery.last_error) == ("2024-04-02", 3, "")
    time.sleep(2)
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_send_leaves_a_claim_the_next_worker_sends_once(worker, smtp):
    subscription = SubscriptionFactory(target="agent")
    smtp.hold_first = True  # the first SMTP transaction hangs until the worker is dead
    quick = mail_env(smtp, CELERY_VISIBILITY_TIMEOUT="5", CELERY_UNACKED_RESTORE_THROTTLE="1",
                     SUBSCRIPTION_SEND_LEASE="3")
    first = worker(**quick).start()
    publish_a_day_for(subscription)
    assert smtp.holding.wait(60), "the worker never started sending"
    first.kill()  # SIGKILL between claiming the ledger row and marking it sent
    smtp.release.set()
    claimed = Delivery.objects.get()
    assert (claimed.state, claimed.attempts) == ("pending", 1) and claimed.claimed_at is not None
    assert smtp.messages == []

    worker(**quick).start()  # the task is delivered again; the claim has expired by then
    [message] = smtp.wait_for(1, timeout=90)
    assert message["To"] == subscription.email
    delivery = wait_for(lambda: Delivery.objects.filter(state="sent").first())
    assert delivery.attempts == 2
    time.sleep(2)
    assert len(smtp.messages) == 1
