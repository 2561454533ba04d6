"""Subscriptions and the send ledger.

A subscription needs no account: it is an e-mail address, what to follow and
how.  It receives mail only once confirmed (double opt-in).  Every mail sent
for it has a row in the ledger, claimed before the mail goes out, so a task
run twice, retried, or re-delivered after its worker died never sends a
period's mail twice.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        TAG = "tag", _("Tag")
        AUTHOR = "author", _("Author")
        SEARCH = "search", _("Search")

    class Language(models.TextChoices):
        ZH = "zh", "中文"
        EN = "en", "English"
        BOTH = "both", _("中文 and English")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    email = models.EmailField(_("e-mail address"), db_index=True)
    kind = models.CharField(_("follows"), max_length=10, choices=Kind.choices)
    # A topic's, tag's or author's slug; for a search, the search page's query string (q and filters).
    target = models.CharField(_("which one"), max_length=500)
    language = models.CharField(_("language"), max_length=4, choices=Language.choices, default=Language.ZH)
    frequency = models.CharField(_("how often"), max_length=6, choices=Frequency.choices, default=Frequency.DAILY)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["email", "kind", "target"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["email", "kind", "target"], name="subscription_unique_follow")]

    def __str__(self):
        return f"{self.email}: {self.kind} {self.target} ({self.frequency}, {self.language})"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class Delivery(models.Model):
    """One mail of one subscription for one period: a day (``2024-02-29``) or an ISO week (``2024-W09``).

    Unique per (subscription, period).  ``claimed_at`` says a worker is sending
    it; a pending row claimed longer ago than the lease is sent again.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")

    subscription = models.ForeignKey(Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(_("period"), max_length=10)
    state = models.CharField(_("state"), max_length=7, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=36, blank=True, help_text=_("Which send holds the claim."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    entries = models.PositiveSmallIntegerField(_("entries"), default=0, help_text=_("Entries in the mail."))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["subscription", "period"], name="delivery_unique_period")]
        indexes = [models.Index(fields=["claimed_at"], condition=Q(state="pending"), name="delivery_pending")]

    def __str__(self):
        return f"{self.subscription_id} {self.period} {self.state}"
