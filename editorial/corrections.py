"""Corrections readers are told about: published text that changed after they had seen it.

The desk keeps every revision of an entry (django-simple-history), so when an
entry is published again the text readers last saw is its latest revision
made while it was published.  The fields that differ from it are a
:class:`papers.models.Correction`, shown on the paper page as "corrected on
<date>".  A first publication is no correction, and neither is publishing
the same text again.  Recorded inside the transaction of the state change
(``papers.signals.state_written``, connected in ``EditorialConfig.ready``),
with a constant number of queries however many entries it publishes.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from editorial.diffs import as_text
from papers.models import Correction, Status, Summary
from papers.fixed_queries import one_of
from papers.services.revisions import history_model
from papers.services.transitions import Change


def changed_fields(before, after) -> list[str]:
    """The entry's text fields whose text differs between two versions of it (rows, revisions or dicts)."""
    def value(obj, name):
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name)

    return [name for name in Summary.TEXT_FIELDS if as_text(value(before, name)) != as_text(value(after, name))]


def record_republished(sender, changes: list[Change], **kwargs) -> None:
    """A Correction for each entry published again with text other than what readers last saw."""
    if sender is not Summary:
        return
    published = [c for c in changes if c.to_state == Status.PUBLISHED and c.from_state != Status.PUBLISHED]
    if not published:
        return
    when = {c.instance.pk: c.instance.published_at or timezone.now() for c in published}
    seen = last_published_texts(when, before=min(when.values()))
    if not seen:
        return
    current = Summary.objects.filter(pk__in=list(seen)).values("pk", *Summary.TEXT_FIELDS)
    Correction.objects.bulk_create([
        Correction(summary_id=row["pk"], corrected_at=when[row["pk"]], fields=fields)
        for row in current if (fields := changed_fields(seen[row["pk"]], row))
    ])


def last_published_texts(summary_ids: Iterable[int], *, before) -> dict[int, dict]:
    """Entry id → its text in its latest revision made while published, before ``before`` (never published: absent).

    ``before`` is the time the current change stamped: the revisions that
    change writes come after it, whichever receiver of ``state_written`` runs first.
    """
    ids = list(summary_ids)
    history = history_model()
    rows = (history.objects.filter(id__in=one_of(ids, "bigint"), status=Status.PUBLISHED, history_date__lt=before)
            .order_by("id", "-history_date", "-history_id").values("id", "history_date", *Summary.TEXT_FIELDS))
    latest: dict[int, dict] = {}
    for row in rows:
        latest.setdefault(row["id"], row)
    return latest


def record_live_edit(summary: Summary, fields: Iterable[str], *, when=None) -> Correction | None:
    """An edit saved while the entry is published is live at once: a correction readers are told about."""
    fields = [name for name in fields if name in Summary.TEXT_FIELDS]
    if summary.status != Status.PUBLISHED or not fields:
        return None
    return Correction.objects.create(summary=summary, corrected_at=when or timezone.now(), fields=fields)
