"""The periods a mail covers: a day, or an ISO week (Monday to Sunday).

A daily mail goes out when a digest of its day is published; a weekly one on
the Monday after its week (``weekly_period_due``), covering the digests of the
seven days before.  A period's name is its key in the send ledger.
"""
from __future__ import annotations

import datetime as dt


def day_period(day: dt.date) -> str:
    return day.isoformat()


def week_period(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def days_of(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period named by :func:`day_period` or :func:`week_period`; ValueError otherwise."""
    if "-W" in period:
        year, week = period.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(week), 1)
        return monday, monday + dt.timedelta(days=6)
    day = dt.date.fromisoformat(period)
    return day, day


def weekly_period_due(today: dt.date) -> str:
    """The week whose mail is due today: the last complete ISO week."""
    return week_period(today - dt.timedelta(days=7))
