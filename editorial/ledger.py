"""The announcement ledger on the desk: the recent days counted, and the days that need someone.

A failed day (the fetch read nothing) and a weekday with no fetch at all are
flagged; a quiet day (arXiv's ``skipDays``: weekends, holidays it names) is not.
"""
from __future__ import annotations

import datetime as dt
from itertools import groupby

from papers.models import FetchDay, FetchDayItem, Summary
from papers.services.ledger import arxiv_today

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
RECENT_DAYS = 14
FAILED_SUMMARIES_SHOWN = 20


def desk_ledger(today: dt.date | None = None) -> dict:
    today = today or arxiv_today()
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    rows = list(FetchDay.objects.filter(day__gte=since, day__lte=today).with_counts().order_by("-day", "category"))
    for row in rows:
        row.by_type = [row.announced.get(kind, 0) for kind in ANNOUNCE_TYPES]
    days = [(day, list(group)) for day, group in groupby(rows, key=lambda row: row.day)]
    newest = days[0][0] if days else None
    failed = [
        {"day": day, "rows": group, "retrying": day == newest}
        for day, group in days if any(row.state == FetchDay.State.FAILED for row in group)
    ]
    return {
        "ledger_days": days,
        "ledger_failed": failed,
        "ledger_missing": missing_weekdays(since, today, {day for day, _ in days}),
        "ledger_summary_failures": list(
            FetchDayItem.objects.filter(fetch_day__in=rows, outcome=FetchDayItem.Outcome.SELECTED,
                                        paper__summary__machine_state=Summary.MachineState.FAILED)
            .values("arxiv_id", "fetch_day__day", "paper__summary__pk", "paper__summary__machine_note")
            .order_by("-fetch_day__day", "arxiv_id").distinct()[:FAILED_SUMMARIES_SHOWN]
        ),
    }


def missing_weekdays(since: dt.date, today: dt.date, recorded: set[dt.date]) -> list[dt.date]:
    """Weekdays before today with no fetch recorded, since the ledger began: never a quiet day by default."""
    first = FetchDay.objects.order_by("day").values_list("day", flat=True).first()
    if first is None:
        return []
    start = max(since, first)
    days = (start + dt.timedelta(days=n) for n in range((today - start).days))
    return sorted((day for day in days if day.weekday() < 5 and day not in recorded), reverse=True)
