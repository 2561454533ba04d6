"""Readers' reports on the desk: assigned through the one door, resolved with who fixed what."""
from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from editorial import error_reports
from editorial.models import AuditEntry
from papers.models import ErrorReport
from tests.factories import ErrorReportFactory, SummaryFactory, UserFactory

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


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>错译'


def test_the_admin_shows_a_reader_s_comment_as_text_everywhere(client, users):
    report = ErrorReportFactory(comment=HOSTILE)
    client.force_login(users["editor"])
    pages = [
        reverse("admin:papers_errorreport_changelist"),
        reverse("admin:papers_errorreport_change", args=[report.pk]),
        reverse("admin:papers_summary_change", args=[report.summary_id]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    confirm = client.post(reverse("admin:papers_errorreport_changelist"),
                          {"action": "resolve", "_selected_action": [report.pk]}).content.decode()
    assert "&lt;script&gt;alert(1)" in confirm and "<script>alert(1)" not in confirm


def test_the_entries_list_filters_entries_with_open_reports(client, users):
    reported = ErrorReportFactory().summary
    resolved = ErrorReportFactory().summary
    error_reports.resolve(resolved.error_reports.all(), user=users["editor"])
    quiet = SummaryFactory(published=True)
    client.force_login(users["editor"])
    listed = client.get(reverse("admin:papers_summary_changelist") + "?reports=open").context["cl"].result_list
    assert list(listed) == [reported]
    everything = client.get(reverse("admin:papers_summary_changelist")).context["cl"].result_list
    assert {reported, resolved, quiet} <= set(everything)


def test_the_report_queue_opens_on_open_reports_and_the_dashboard_counts_them(client, users):
    mine = ErrorReportFactory(comment="mine")
    ErrorReportFactory(comment="nobody's")
    done = ErrorReportFactory(comment="done")
    error_reports.assign([mine], assignee=users["editor"], user=users["editor"])
    error_reports.resolve([done], user=users["editor"])
    client.force_login(users["editor"])
    queue = client.get(reverse("admin:papers_errorreport_changelist")).context["cl"].result_list
    assert {r.comment for r in queue} == {"mine", "nobody's"}
    everything = client.get(reverse("admin:papers_errorreport_changelist") + "?open=all").context["cl"].result_list
    assert len(everything) == 3
    dashboard = client.get(reverse("admin:index")).content.decode()
    counts = {name: int(re.search(rf'class="count-{name}">(\d+)<', dashboard)[1]) for name in ("open", "mine", "unassigned")}
    assert counts == {"open": 2, "mine": 1, "unassigned": 1}


def test_the_queue_s_actions_assign_and_resolve_through_the_desk(client, users):
    report = ErrorReportFactory()
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_errorreport_changelist")
    client.post(url, {"action": "assign_to", "_selected_action": [report.pk], "assignee": users["editor"].pk})
    assert ErrorReport.objects.get().assignee == users["editor"]
    client.post(url, {"action": "resolve", "_selected_action": [report.pk], "apply": "1", "note": "checked"})
    report.refresh_from_db()
    assert (report.resolved_by, report.resolution_note) == (users["reviewer"], "checked")
    assert AuditEntry.objects.filter(summary=report.summary, action="assign_report").count() == 1
    assert client.get(reverse("admin:papers_errorreport_add")).status_code == 403  # readers file reports
