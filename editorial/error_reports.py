"""The desk's side of readers' error reports: who looks into one, and closing it with what was fixed.

Readers file reports on the public site (``papers.site``); here the desk
assigns them (through ``papers.services.transitions``, like every
assignment, so it is logged on the entry) and resolves them, recording who
resolved each, when, why, and which fields of the entry changed since it was
reported — read from the entry's history, not typed by hand.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from editorial.corrections import changed_fields
from papers.models import ErrorReport, Summary
from papers.services import error_reports, transitions

PERMISSION = "papers.change_errorreport"


def desk_members():
    """Who a report may be given to: active staff who may handle reports (by group or as superusers)."""
    perm = Q(groups__permissions__codename="change_errorreport", groups__permissions__content_type__app_label="papers")
    return (get_user_model().objects.filter(is_active=True, is_staff=True).filter(perm | Q(is_superuser=True))
            .distinct().order_by("username"))


def assign(reports: Iterable[ErrorReport], *, assignee, user) -> list[transitions.Change]:
    """Give these reports to ``assignee`` (None takes them back), as ``user``; checked on the server."""
    if user is not None and not user.has_perm(PERMISSION):
        raise PermissionDenied("you may not assign error reports")
    if assignee is not None and not (assignee.is_active and assignee.is_staff and assignee.has_perm(PERMISSION)):
        raise PermissionDenied(f"{assignee} may not handle error reports")
    return transitions.report_assign(reports=reports, assignee=assignee, user=user)


def fields_changed_since_reported(report: ErrorReport) -> list[str]:
    """The entry's text fields that differ now from its revision current when the report came in."""
    history = Summary.history.filter(id=report.summary_id)
    then = (history.filter(history_date__lte=report.first_reported_at).order_by("-history_date", "-history_id").first()
            or history.order_by("history_date", "history_id").first())
    if then is None:
        return []
    return changed_fields(then, Summary.objects.get(pk=report.summary_id))


def resolve(reports: Iterable[ErrorReport], *, user, note: str = "") -> int:
    """Close open reports as ``user``, with ``note``; each records the fields its entry changed since it came in."""
    if not user.has_perm(PERMISSION):
        raise PermissionDenied("you may not resolve error reports")
    reports = [r for r in reports if r.is_open]
    return error_reports.report_resolve(
        reports=reports, user=user, note=note.strip(),
        fields_changed={r.pk: fields_changed_since_reported(r) for r in reports},
    )


def open_count() -> int:
    return ErrorReport.objects.filter(resolved_at__isnull=True).count()
