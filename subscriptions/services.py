"""Writes of subscriptions and of the send ledger; the mail itself is in ``subscriptions.mail``.

Services return; the caller queues (views and signal handlers through the
tasks in ``subscriptions.tasks``).
"""
from __future__ import annotations

import datetime as dt
import enum
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from subscriptions import mail
from subscriptions.matching import matching_papers
from subscriptions.models import Delivery, Subscription

log = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    """One spelling per address, so the same reader is never two subscribers."""
    return email.strip().lower()


class Requested(enum.Enum):
    """What the address should be told: confirm a new or still unconfirmed subscription, or that it exists."""

    CONFIRM = "confirm"
    ALREADY = "already"


def subscription_request(*, email: str, kind: str, target: str, language: str, frequency: str
                         ) -> tuple[Subscription, Requested]:
    """Record a request to subscribe; nothing is sent to the address until it confirms.

    A confirmed subscription is left as it is (whoever typed the address may
    not own it); the owner gets a mail with a link to manage it.  An
    unconfirmed one takes the new choices and gets a new confirmation link.
    """
    email = normalize_email(email)
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscription, created = Subscription.objects.select_for_update().get_or_create(
                    email=email, kind=kind, target=target, defaults={"language": language, "frequency": frequency})
        except IntegrityError:  # the same request twice at once: the other one made it
            subscription, created = Subscription.objects.select_for_update().get(email=email, kind=kind,
                                                                                 target=target), False
        if subscription.confirmed:
            return subscription, Requested.ALREADY
        if not created:
            Subscription.objects.filter(pk=subscription.pk).update(language=language, frequency=frequency,
                                                                   modified_at=timezone.now())
            subscription.language, subscription.frequency = language, frequency
    return subscription, Requested.CONFIRM


def subscription_confirm(*, subscription_id: int, email: str) -> Subscription | None:
    """Confirm (idempotent); None when the subscription is gone or belongs to another address."""
    subscription = Subscription.objects.filter(pk=subscription_id, email=email).first()
    if subscription is not None and not subscription.confirmed:
        now = timezone.now()
        Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(confirmed_at=now,
                                                                                         modified_at=now)
        subscription.refresh_from_db()
    return subscription


def subscription_cancel(*, subscription_id: int, email: str) -> bool:
    """Delete the subscription (and its ledger); False if it was already gone."""
    deleted, _ = Subscription.objects.filter(pk=subscription_id, email=email).delete()
    return bool(deleted)


# --- the send ledger ----------------------------------------------------------------

class Sent(enum.Enum):
    SENT = "sent"
    ALREADY_SENT = "already sent"
    CLAIMED = "claimed by another send"
    NOTHING = "nothing to send"
    GONE = "no such confirmed subscription"


def delivery_claim(*, subscription: Subscription, period: str, now: dt.datetime | None = None) -> tuple[Delivery, str] | Sent:
    """Claim the ledger row of (subscription, period) for one send: the row and the claim's token, or why not.

    The row is made once (unique); a claim is one conditional UPDATE, so two
    sends racing for it cannot both win.  A pending row is free when nobody
    claimed it, its last send failed (and released it), or its claim is older
    than ``SUBSCRIPTION_SEND_LEASE`` (the worker holding it died).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            delivery, _ = Delivery.objects.get_or_create(subscription=subscription, period=period)
    except IntegrityError:
        delivery = Delivery.objects.get(subscription=subscription, period=period)
    if delivery.state == Delivery.State.SENT:
        return Sent.ALREADY_SENT
    token = str(uuid.uuid4())
    expired = now - dt.timedelta(seconds=settings.SUBSCRIPTION_SEND_LEASE)
    won = (Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING)
           .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))
           .update(claimed_at=now, claim=token, attempts=F("attempts") + 1))
    if not won:
        delivery.refresh_from_db()
        return Sent.ALREADY_SENT if delivery.state == Delivery.State.SENT else Sent.CLAIMED
    delivery.refresh_from_db()
    return delivery, token


def delivery_sent(*, delivery: Delivery, token: str, entries: int) -> None:
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        state=Delivery.State.SENT, sent_at=timezone.now(), entries=entries, last_error="")


def delivery_release(*, delivery: Delivery, token: str, error: str) -> None:
    """Give the claim back after a failed send, so the retry (or the sweep) may claim it at once."""
    Delivery.objects.filter(pk=delivery.pk, claim=token, state=Delivery.State.PENDING).update(
        claimed_at=None, claim="", last_error=error[:2000])


def subscription_send(*, subscription_id: int, period: str) -> Sent:
    """Send a confirmed subscription its mail for ``period``, at most once ever.

    No mail (and no ledger row) when nothing of the period matches: a digest of
    the same day published later may still bring something.  A send that fails
    releases its claim and raises, for the caller to retry; a worker killed
    between claiming and marking sent leaves a claim that expires after the
    lease, and the row is sent by the next try or the sweep
    (``pending_deliveries``).  Killed after the SMTP server took the message but
    before the mark, the mail goes out twice: its Message-ID is the same both
    times, so a mail client can drop the second.
    """
    subscription = Subscription.objects.filter(pk=subscription_id, confirmed_at__isnull=False).first()
    if subscription is None:
        return Sent.GONE
    papers = matching_papers(subscription, period)
    if not papers and not Delivery.objects.filter(subscription=subscription, period=period).exists():
        return Sent.NOTHING
    claimed = delivery_claim(subscription=subscription, period=period)
    if isinstance(claimed, Sent):
        return claimed
    delivery, token = claimed
    try:
        mail.digest_message(subscription, period, papers).send()
    except Exception as exc:
        delivery_release(delivery=delivery, token=token, error=f"{type(exc).__name__}: {exc}")
        raise
    delivery_sent(delivery=delivery, token=token, entries=len(papers))
    return Sent.SENT


def pending_deliveries(*, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """(subscription id, period) of every unsent row free to claim: released after failures, or its claim expired."""
    now = now or timezone.now()
    expired = now - dt.timedelta(seconds=settings.SUBSCRIPTION_SEND_LEASE)
    return list(Delivery.objects.filter(state=Delivery.State.PENDING)
                .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))
                .filter(subscription__confirmed_at__isnull=False)
                .order_by("created_at").values_list("subscription_id", "period"))


def subscriptions_due(*, frequency: str) -> list[int]:
    return list(Subscription.objects.filter(frequency=frequency, confirmed_at__isnull=False)
                .order_by("pk").values_list("pk", flat=True))
