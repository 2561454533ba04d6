"""A day's digest published: its mail goes out (``papers.signals.state_changed`` is sent after commit)."""
from __future__ import annotations

from django.dispatch import receiver

from papers.models import Digest, Status
from papers.signals import state_changed
from subscriptions import tasks


@receiver(state_changed, sender=Digest, dispatch_uid="subscriptions.day_published")
def day_published(sender, instance: Digest, to_state: str, **kwargs):
    if to_state == Status.PUBLISHED:
        tasks.send_day.delay(instance.date.isoformat())
