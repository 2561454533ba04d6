"""State writes: the one code that changes an entry's or digest's state, publish time or assignee.

Callers decide which change to make: the desk's workflow (``editorial.workflow``)
checks permissions, its transition table and the consistency checks; an import
publishes what it was told to.  This module makes the change, the same way for
one row or ten thousand:

* it locks the rows and reads the state each one is in (and refuses the whole
  change if one is not in a state it may start from);
* it writes the new state in one UPDATE;
* it moves the published counts of the topics, tags and authors of what went
  live or was withdrawn (``papers.services.published_counts``);
* it hands every change to ``papers.signals.state_written`` inside the
  transaction, where the desk records it (audit log, entry history) in bulk;
* once the transaction commits, it reindexes and invalidates the public pages
  that show what went live or was withdrawn, and sends
  ``papers.signals.state_changed`` once per row.

A change costs the same number of queries whatever the number of rows.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from papers.models import Digest, ErrorReport, Status, Summary
from papers.services import published_counts
from papers.fixed_queries import one_of
from papers.signals import PUBLIC_STATES, digests_changed, papers_changed, state_changed, state_written

ASSIGN = "assign"  # the action recorded for a change of assignee (the state stays)
ASSIGN_REPORT = "assign_report"  # the action recorded, on its entry, for a change of a reader's report's assignee
STATE_FIELDS = ("status", "published_at", "publish_at", "modified_at")  # what a state change writes


@dataclass(frozen=True)
class Change:
    """One row moved from one state to another (the same one, for an assignment), by whom and why."""

    instance: Summary | Digest
    action: str
    from_state: str
    to_state: str
    user: Any = None
    comment: str = ""


class StateError(Exception):
    """A row is not in a state the change may start from (or no longer exists)."""

    def __init__(self, instance: Summary | Digest, state: str | None):
        self.instance, self.state = instance, state
        where = f"is “{state}”" if state else "no longer exists"
        super().__init__(f"{type(instance).__name__} {instance.pk} {where}")


def state_change(*, objects: Iterable[Summary] | Iterable[Digest], action: str, target: str,
                 sources: Collection[str] | None = None, user=None, comment: str = "",
                 comments: Mapping[int, str] | None = None, refresh_public: bool = True) -> list[Change]:
    """Move every row of ``objects`` (all Summary or all Digest) to state ``target``.

    ``sources``, when given, are the states a row may be in: if one is in
    another, nothing changes and :class:`StateError` says which.  ``comments``
    gives a row (by primary key) its own comment instead of ``comment``.
    Publishing stamps ``published_at`` and clears a scheduled ``publish_at``.
    The objects passed in are updated in place; returns one Change per row.

    ``refresh_public=False`` leaves reindexing and page invalidation to the
    caller: an import does both once per batch for everything it wrote.
    """
    objects = list(objects)
    if not objects:
        return []
    model = _model_of(objects)
    target = Status(target)  # ValueError for a state that does not exist
    now = timezone.now()
    fields = {"status": target, "modified_at": now}
    if target == Status.PUBLISHED:
        fields.update(published_at=now, publish_at=None)
        if model is Summary:
            fields["source_change"] = {}  # published again: reviewed against the paper's current version
    with transaction.atomic():
        stored = _locked_states(model, objects)
        for obj in objects:
            if stored.get(obj.pk) is None or (sources is not None and stored[obj.pk] not in sources):
                raise StateError(obj, stored.get(obj.pk))
        model.objects.filter(pk__in=one_of([o.pk for o in objects], "bigint")).update(**fields)
        changes = []
        for obj in objects:
            for name, value in fields.items():
                setattr(obj, name, value)
            note = comments.get(obj.pk, comment) if comments else comment
            changes.append(Change(obj, action, stored[obj.pk], target, user, note))
        if model is Summary:
            _count_published(changes)
        _written(model, changes)
        if refresh_public:
            _refresh_public_pages(model, changes)
    return changes


def summary_assign(*, summaries: Iterable[Summary], assignee, user=None, comment: str = "") -> list[Change]:
    """Make ``assignee`` (a user, or None) the reviewer these entries wait for; logged like a transition."""
    summaries = list(summaries)
    if not summaries:
        return []
    comment = comment or (gettext("assigned to %(user)s") % {"user": assignee} if assignee is not None
                          else gettext("unassigned"))
    now = timezone.now()
    with transaction.atomic():
        stored = _locked_states(Summary, summaries)
        Summary.objects.filter(pk__in=one_of([s.pk for s in summaries], "bigint")).update(
            assignee=assignee, modified_at=now
        )
        changes = []
        for summary in summaries:
            if stored.get(summary.pk) is None:
                raise StateError(summary, None)
            summary.assignee, summary.modified_at = assignee, now
            changes.append(Change(summary, ASSIGN, stored[summary.pk], stored[summary.pk], user, comment))
        _written(Summary, changes)
    return changes


def report_assign(*, reports: Iterable[ErrorReport], assignee, user=None) -> list[Change]:
    """Make ``assignee`` (a user, or None) the one who looks into these readers' reports.

    Logged on each report's entry like an entry's assignment (its audit log and
    history say who gave which report to whom); the entry's state stays.
    """
    reports = list(reports)
    if not reports:
        return []
    with transaction.atomic():
        ErrorReport.objects.filter(pk__in=[r.pk for r in reports]).update(assignee=assignee)
        entries = {s.pk: s for s in Summary.objects.filter(pk__in={r.summary_id for r in reports})}
        stored = _locked_states(Summary, list(entries.values()))
        changes = []
        for report in reports:
            report.assignee = assignee
            entry = entries[report.summary_id]
            note = f"error report #{report.pk} " + (f"assigned to {assignee}" if assignee is not None else "unassigned")
            changes.append(Change(entry, ASSIGN_REPORT, stored[entry.pk], stored[entry.pk], user, note))
        _written(Summary, changes)
    return changes


def _model_of(objects: list) -> type[Summary] | type[Digest]:
    model = type(objects[0])
    if model not in (Summary, Digest) or any(type(o) is not model for o in objects):
        raise TypeError("a state change moves entries or digests, one kind at a time")
    return model


def _locked_states(model, objects: list) -> dict[int, str]:
    """Primary key → stored state, with the rows locked until the transaction ends (in key order: no deadlocks)."""
    rows = (model.objects.select_for_update().filter(pk__in=one_of([o.pk for o in objects], "bigint"))
            .order_by("pk").values_list("pk", "status"))
    return dict(rows)


def _count_published(changes: list[Change]) -> None:
    """Entries that went live add their papers to the counts; those withdrawn take them away."""
    went_live = [c.instance.paper_id for c in changes
                 if c.from_state != Status.PUBLISHED and c.to_state == Status.PUBLISHED]
    withdrawn = [c.instance.paper_id for c in changes
                 if c.from_state == Status.PUBLISHED and c.to_state != Status.PUBLISHED]
    delta = published_counts.contributions(went_live)
    delta.subtract(published_counts.contributions(withdrawn))
    published_counts.add(delta)


def _written(model, changes: list[Change]) -> None:
    state_written.send(sender=model, changes=changes)

    def announce():
        for change in changes:
            state_changed.send(sender=model, instance=change.instance, action=change.action,
                               from_state=change.from_state, to_state=change.to_state, user=change.user,
                               comment=change.comment)

    transaction.on_commit(announce)


def _refresh_public_pages(model, changes: list[Change]) -> None:
    if model is Digest:
        digests_changed([c.instance.date for c in changes])
        return
    papers_changed([c.instance.paper_id for c in changes
                    if c.from_state in PUBLIC_STATES or c.to_state in PUBLIC_STATES])
