"""Celery tasks for mail, on the ``mail`` queue (``CELERY_TASK_ROUTES``): thin, they own the retries.

A send that fails (the SMTP server down, refusing, timing out) is retried
with exponential backoff and jitter; its ledger row was released, so the
retry claims it again.  When the retries run out the row stays pending and
the sweep (``subscriptions.send_pending``, every 10 minutes) tries it again:
nothing is dropped.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from subscriptions import mail, services
from subscriptions.models import Subscription
from subscriptions.periods import day_period, weekly_period_due

log = logging.getLogger(__name__)

SEND_ERRORS = (smtplib.SMTPException, OSError)  # OSError: refused, unreachable, timed out


@shared_task(bind=True, name="subscriptions.send_digest", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=SEND_ERRORS, retry_backoff=True, retry_backoff_max=60 * 60, retry_jitter=True,
             max_retries=settings.SUBSCRIPTION_SEND_RETRIES)
def send_digest(self, subscription_id: int, period: str) -> str:
    """One subscription's mail for one period; safe to run any number of times."""
    return services.subscription_send(subscription_id=subscription_id, period=period).value


@shared_task(name="subscriptions.send_day", acks_late=True, reject_on_worker_lost=True)
def send_day(day: str) -> int:
    """A day was published: queue its mail to every confirmed daily subscriber; returns how many were queued."""
    period = day_period(dt.date.fromisoformat(day))
    ids = services.subscriptions_due(frequency=Subscription.Frequency.DAILY)
    for subscription_id in ids:
        send_digest.delay(subscription_id, period)
    return len(ids)


@shared_task(name="subscriptions.send_week", acks_late=True, reject_on_worker_lost=True)
def send_week(period: str | None = None) -> int:
    """The weekly mail of the last complete ISO week (beat: Mondays), or of ``period`` (``2024-W09``)."""
    period = period or weekly_period_due(timezone.localdate())
    ids = services.subscriptions_due(frequency=Subscription.Frequency.WEEKLY)
    for subscription_id in ids:
        send_digest.delay(subscription_id, period)
    return len(ids)


@shared_task(name="subscriptions.send_pending", acks_late=True, reject_on_worker_lost=True)
def send_pending() -> int:
    """The sweep: sends whose retries ran out or whose worker died get queued again."""
    pending = services.pending_deliveries()
    for subscription_id, period in pending:
        send_digest.delay(subscription_id, period)
    return len(pending)


@shared_task(bind=True, name="subscriptions.send_confirmation", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=SEND_ERRORS, retry_backoff=True, retry_backoff_max=10 * 60, retry_jitter=True,
             max_retries=settings.SUBSCRIPTION_SEND_RETRIES)
def send_confirmation(self, subscription_id: int, already: bool = False) -> bool:
    """The confirmation link of a new subscription, or (``already``) a note that it exists, with its links."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return False
    message = mail.already_message(subscription) if already else mail.confirm_message(subscription)
    message.send()
    return True


@shared_task(bind=True, name="subscriptions.send_manage_link", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=SEND_ERRORS, retry_backoff=True, retry_backoff_max=10 * 60, retry_jitter=True,
             max_retries=settings.SUBSCRIPTION_SEND_RETRIES)
def send_manage_link(self, email: str) -> bool:
    """The link to the management page, to an address with subscriptions; nothing to any other address."""
    email = services.normalize_email(email)
    subscriptions = list(Subscription.objects.filter(email=email))
    if not subscriptions:
        return False
    mail.manage_message(email, subscriptions).send()
    return True
