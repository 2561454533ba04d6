"""Signed, expiring tokens: the only credential a subscriber has.

Each purpose has its own salt, so a token made to confirm a subscription
cannot unsubscribe or open the management page, and each binds the address it
was made for: a subscription deleted and made again gets a new id, and old
links stop working.
"""
from __future__ import annotations

from django.conf import settings
from django.core import signing

CONFIRM, UNSUBSCRIBE, MANAGE = "subscriptions.confirm", "subscriptions.unsubscribe", "subscriptions.manage"


class BadToken(Exception):
    """Tampered, expired, or made for another purpose."""


def _max_age(purpose: str) -> int:
    return {CONFIRM: settings.SUBSCRIPTION_CONFIRM_MAX_AGE, MANAGE: settings.SUBSCRIPTION_MANAGE_MAX_AGE,
            UNSUBSCRIBE: settings.SUBSCRIPTION_UNSUBSCRIBE_MAX_AGE}[purpose]


def make(purpose: str, *, email: str, subscription_id: int | None = None) -> str:
    value = {"e": email} if subscription_id is None else {"e": email, "s": subscription_id}
    return signing.TimestampSigner(salt=purpose).sign_object(value, compress=True)


def read(purpose: str, token: str) -> dict:
    """The signed value (``e``: the address, ``s``: a subscription id) or :class:`BadToken`."""
    try:
        return signing.TimestampSigner(salt=purpose).unsign_object(token, max_age=_max_age(purpose))
    except (signing.BadSignature, ValueError, TypeError) as exc:  # SignatureExpired is a BadSignature
        raise BadToken(str(exc)) from exc
