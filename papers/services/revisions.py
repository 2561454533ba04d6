"""Entry revisions written by the database: each a copy of the entry's stored row.

The desk keeps every revision of an entry (django-simple-history, registered by
the editorial app).  Its own way builds each revision as a model instance and
compiles an INSERT of some thirty columns; on PostgreSQL the same row is copied
from the stored entry by one short statement, for any number of entries.
Elsewhere (the SQLite demo) django-simple-history writes them as usual.
"""
from __future__ import annotations

from functools import lru_cache

from django.db import connection
from django.utils import timezone

from papers.models import Summary

CREATED, CHANGED = "+", "~"  # django-simple-history's history_type


def copies_revisions() -> bool:
    return connection.vendor == "postgresql"


@lru_cache(maxsize=None)
def history_model():
    """The entries' history model. ``Summary.history`` builds a manager class on every read (~0.1 ms)."""
    return Summary.history.model


@lru_cache(maxsize=None)
def _insert_statement() -> str:
    """INSERT … SELECT of the history table's columns from the entries (the same for the life of the process)."""
    history = history_model()
    quote = connection.ops.quote_name
    tracked = [quote(field.column) for field in history.tracked_fields]
    extra = [quote(history._meta.get_field(name).column) for name in (
        "history_date", "history_change_reason", "history_type", "history_user")]
    return (f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(tracked + extra)}) "
            f"SELECT {', '.join('s.' + column for column in tracked)}, %s, r.reason, %s, %s "
            f"FROM {quote(Summary._meta.db_table)} AS s "
            "JOIN unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS r(id, reason, n) ON s.id = r.id ORDER BY r.n")


def copy_revisions(ids: list[int], reasons: list[str | None], *, history_type: str, user) -> None:
    """A revision of each entry in ``ids`` (with its reason), as stored now, made by ``user`` (or nobody)."""
    with connection.cursor() as cursor:
        cursor.execute(_insert_statement(),
                       [timezone.now(), history_type, user.pk if user is not None else None, ids, reasons])


def save_with_revision(summary: Summary) -> None:
    """``summary.save()``, its revision copied from the row just stored (PostgreSQL) rather than built in Python.

    The revision is the one django-simple-history would record: created or
    changed, by the request's user if there is one, with no reason.
    """
    if not copies_revisions():
        summary.save()
        return
    created = summary._state.adding
    summary.skip_history_when_saving = True
    try:
        summary.save()
    finally:
        del summary.skip_history_when_saving
    copy_revisions([summary.pk], [None], history_type=CREATED if created else CHANGED,
                   user=history_model().get_default_history_user(summary))
