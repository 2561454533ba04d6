"""Readers' error reports: taken in, folded together, resolved.

A report is plain text from an anonymous reader: it is cut to its length
limit, stripped of control characters and stored as typed (templates escape
it wherever it is shown).  A report saying what an open one already says —
same entry, same kind, same comment once case, width and spacing are
normalized — adds to that report's count instead of queueing again.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from papers.models import ErrorReport, Summary

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean_comment(text: str) -> str:
    """The comment as stored: no control or direction-changing characters, trimmed, within the limit."""
    text = CONTROL_RE.sub("", (text or "").replace("\r\n", "\n")).strip()
    return text[: ErrorReport.COMMENT_MAX]


def comment_fingerprint(text: str) -> str:
    """What makes two comments "the same": NFKC (full-width = half-width), case and spacing ignored."""
    normalized = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(normalized.encode()).hexdigest()


def report_submit(*, summary: Summary, kind: str, comment: str = "") -> tuple[ErrorReport, bool]:
    """File a reader's report on ``summary``; (the report, whether it is new) — a repeat is folded in."""
    kind = ErrorReport.Kind(kind)  # ValueError for a kind that does not exist
    comment = clean_comment(comment)
    fingerprint = comment_fingerprint(comment)
    for _attempt in range(2):  # a concurrent identical report may win the insert: fold into it then
        open_report = ErrorReport.objects.filter(summary=summary, kind=kind, fingerprint=fingerprint,
                                                 resolved_at__isnull=True)
        if open_report.update(count=F("count") + 1, last_reported_at=timezone.now()):
            return open_report.get(), False
        try:
            with transaction.atomic():
                return ErrorReport.objects.create(summary=summary, kind=kind, comment=comment,
                                                  fingerprint=fingerprint), True
        except IntegrityError:
            continue
    raise RuntimeError("could not file the report")  # pragma: no cover — two lost races in a row


def report_resolve(*, reports: Iterable[ErrorReport], user, note: str = "", fields_changed: dict[int, list[str]]
                   ) -> int:
    """Close open reports: who resolved them, when, why, and which fields of the entry changed (per report id)."""
    now, done = timezone.now(), 0
    with transaction.atomic():
        for report in ErrorReport.objects.select_for_update().filter(
                pk__in=[r.pk for r in reports], resolved_at__isnull=True):
            report.resolved_at, report.resolved_by, report.resolution_note = now, user, note
            report.fields_changed = fields_changed.get(report.pk, [])
            report.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "fields_changed"])
            done += 1
    return done
