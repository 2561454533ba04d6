"""Imports on the desk: what runs now, and what was interrupted in the last week.

Loading the dashboard first marks running imports whose process is gone as
interrupted (as the next import and the periodic check do), so the desk never
shows a dead import as running.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from papers.models import ImportBatch
from papers.services.batches import import_batches_mark_interrupted

SHOWN = 10
INTERRUPTED_DAYS = 7


def desk_imports() -> dict:
    import_batches_mark_interrupted()
    since = timezone.now() - dt.timedelta(days=INTERRUPTED_DAYS)
    batches = ImportBatch.objects.defer("files").order_by("-started_at")
    running = batches.filter(state=ImportBatch.State.RUNNING)[:SHOWN]
    interrupted = batches.filter(state=ImportBatch.State.INTERRUPTED, started_at__gte=since)[:SHOWN]
    shown = list(running.union(interrupted, all=True).order_by("-started_at"))  # one query for both lists
    return {
        "imports_running": [batch for batch in shown if batch.state == ImportBatch.State.RUNNING],
        "imports_interrupted": [batch for batch in shown if batch.state == ImportBatch.State.INTERRUPTED],
    }
