"""Readers' reports on the desk: assigned through the one door, resolved with who fixed what."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from editorial import error_reports
from editorial.models import AuditEntry
from papers.models import ErrorReport
from tests.factories import ErrorReportFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_assigning_a_report_is_logged_on_its_entry(users):
    report = ErrorReportFactory()
    changes = error_reports.assign([report], assignee=users["editor"], user=users["reviewer"])
    assert [c.action for c in changes] == ["assign_report"]
    assert ErrorReport.objects.get().assignee == users["editor"]
    entry = AuditEntry.objects.get()
    assert (entry.summary, entry.action, entry.user, entry.from_state, entry.to_state) == (
        report.summary, "assign_report", users["reviewer"], "published", "published")
    assert entry.comment == f"error report #{report.pk} assigned to editor"

    error_reports.assign([report], assignee=None, user=users["reviewer"])
    assert ErrorReport.objects.get().assignee is None
    assert AuditEntry.objects.filter(comment=f"error report #{report.pk} unassigned").exists()


def test_only_the_desk_assigns_and_is_assigned(users):
    report = ErrorReportFactory()
    outsider = UserFactory(groups=[])  # staff without a desk role
    with pytest.raises(PermissionDenied):
        error_reports.assign([report], assignee=users["editor"], user=outsider)
    with pytest.raises(PermissionDenied):
        error_reports.assign([report], assignee=outsider, user=users["reviewer"])
    assert ErrorReport.objects.get().assignee is None and not AuditEntry.objects.exists()
    assert set(error_reports.desk_members()) == {users["editor"], users["reviewer"], users["admin"]}


def test_resolving_records_the_fields_the_entry_changed_since_the_report(users):
    report = ErrorReportFactory()
    summary = report.summary
    summary.abstract_zh = summary.abstract_zh + "（已更正）"
    summary.keywords = ["多模态"]
    summary.save()
    assert error_reports.resolve([report], user=users["editor"], note=" MMLMs → MLLMs ") == 1
    report.refresh_from_db()
    assert (report.resolved_by, report.resolution_note, report.fields_changed) == (
        users["editor"], "MMLMs → MLLMs", ["abstract_zh", "keywords"])
    assert report.resolved_at is not None


def test_a_report_resolved_without_a_change_records_none(users):
    report = ErrorReportFactory()
    error_reports.resolve([report], user=users["reviewer"], note="the translation is right")
    report.refresh_from_db()
    assert report.fields_changed == [] and not report.is_open
    with pytest.raises(PermissionDenied):
        error_reports.resolve([ErrorReportFactory(kind="other")], user=UserFactory(groups=[]))
