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
    return {
        "imports_running": list(batches.filter(state=ImportBatch.State.RUNNING)[:SHOWN]),
        "imports_interrupted": list(batches.filter(state=ImportBatch.State.INTERRUPTED, started_at__gte=since)[:SHOWN]),
    }
