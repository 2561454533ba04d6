"""The desk's record of every state write: an audit entry and an entry revision per change.

``papers.services.transitions`` makes every state change, from the desk's
workflow and from imports alike, and sends ``papers.signals.state_written``
inside the same transaction; this receiver records the changes there, a
statement per table however many changes there are.  Connected in
``EditorialConfig.ready``.

On PostgreSQL the rows are built by the database from arrays (and a revision
from the stored entry): building 10,000 audit entries and revisions as model
instances for ``bulk_create`` took seconds of Python, the statements take a
fraction of a second.  Elsewhere (the SQLite demo) ``bulk_create`` does it.
"""
from __future__ import annotations

from django.db import connection
from django.utils import timezone

from editorial.models import AuditEntry
from papers.models import Digest, Summary
from papers.services.revisions import CHANGED, copy_revisions, history_model
from papers.services.transitions import Change

REASON_MAX = 100  # characters of a revision's change reason (django-simple-history's column)


def record_changes(sender, changes: list[Change], **kwargs) -> None:
    if not changes:
        return
    if connection.vendor == "postgresql":
        _audit_entries_sql(sender, changes)
        if sender is Summary:
            _revisions_sql(changes)
        return
    AuditEntry.objects.bulk_create([
        AuditEntry(
            summary=c.instance if sender is Summary else None, digest=c.instance if sender is Digest else None,
            action=c.action, from_state=c.from_state, to_state=c.to_state, user=c.user, comment=c.comment,
        )
        for c in changes
    ])
    if sender is Summary:
        _revisions(changes)


def _reason(change: Change) -> str:
    reason = f"{change.action}: {change.comment}" if change.comment else change.action
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 1] + "…"


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _audit_entries_sql(sender, changes: list[Change]) -> None:
    subject = _column(AuditEntry, "summary" if sender is Summary else "digest")
    columns = ", ".join([subject, *(_column(AuditEntry, name) for name in (
        "action", "from_state", "to_state", "user", "comment", "created_at"))])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(AuditEntry._meta.db_table)} ({columns}) "
            "SELECT c.subject, c.action, c.from_state, c.to_state, c.user_id, c.comment, %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[]) "
            "WITH ORDINALITY AS c(subject, action, from_state, to_state, user_id, comment, n) ORDER BY c.n",
            [timezone.now(), [c.instance.pk for c in changes], [c.action for c in changes],
             [c.from_state for c in changes], [str(c.to_state) for c in changes],
             [c.user.pk if c.user is not None else None for c in changes], [c.comment for c in changes]],
        )


def _history_user(changes: list[Change]):
    """Who the revisions name: the change's user, else whoever the request is from (as a save would)."""
    return changes[0].user or history_model().get_default_history_user(changes[0].instance)


def _revisions_sql(changes: list[Change]) -> None:
    """A revision of each entry, copied from its stored row, so its history shows who changed the state and why."""
    copy_revisions([c.instance.pk for c in changes], [_reason(c) for c in changes], history_type=CHANGED,
                   user=_history_user(changes))


def _revisions(changes: list[Change]) -> None:
    for change in changes:
        change.instance._change_reason = _reason(change)
    try:
        Summary.history.bulk_history_create([c.instance for c in changes], update=True,
                                            default_user=_history_user(changes))
    finally:
        for change in changes:
            del change.instance._change_reason
