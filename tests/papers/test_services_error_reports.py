"""Readers' reports as they are stored: plain text within its limit, repeats folded into one open report."""
from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import timezone

from papers.models import ErrorReport
from papers.services.error_reports import clean_comment, comment_fingerprint, report_resolve, report_submit
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_same_complaint_again_is_folded_into_the_open_report_with_a_count():
    summary = SummaryFactory(published=True)
    first, new = report_submit(summary=summary, kind="translation", comment="“MMLMs” should be MLLMs")
    assert new
    # Case, spacing and full-width characters do not make a different complaint.
    again, new_again = report_submit(summary=summary, kind="translation", comment="  “ＭＭＬＭｓ”   SHOULD be mllms ")
    assert (again.pk, new_again, again.count) == (first.pk, False, 2)
    assert again.comment == "“MMLMs” should be MLLMs"  # the first wording is kept
    assert again.last_reported_at > first.first_reported_at

    # Another kind, another comment or another entry is another report.
    other_kind, _ = report_submit(summary=summary, kind="summary", comment="“MMLMs” should be MLLMs")
    other_text, _ = report_submit(summary=summary, kind="translation", comment="the numbers are wrong")
    other_entry, _ = report_submit(summary=SummaryFactory(published=True), kind="translation",
                                   comment="“MMLMs” should be MLLMs")
    assert len({first.pk, other_kind.pk, other_text.pk, other_entry.pk}) == 4
    assert ErrorReport.objects.get(pk=first.pk).count == 2
    assert ErrorReport.objects.count() == 4


def test_an_empty_comment_folds_with_other_empty_comments_of_the_same_kind():
    summary = SummaryFactory(published=True)
    reports = [report_submit(summary=summary, kind="metadata", comment=text)[0] for text in ("", "  ", "\n")]
    assert {r.pk for r in reports} == {reports[0].pk}
    assert ErrorReport.objects.get().count == 3


def test_once_resolved_the_same_complaint_opens_a_new_report():
    summary = SummaryFactory(published=True)
    first, _ = report_submit(summary=summary, kind="translation", comment="typo")
    assert report_resolve(reports=[first], user=UserFactory(), note="fixed", fields_changed={first.pk: ["tldr"]}) == 1
    second, new = report_submit(summary=summary, kind="translation", comment="typo")
    assert new and second.pk != first.pk and second.count == 1
    first.refresh_from_db()
    assert (first.count, first.resolution_note, first.fields_changed) == (1, "fixed", ["tldr"])


def test_the_database_holds_one_open_report_per_complaint():
    summary = SummaryFactory(published=True)
    report, _ = report_submit(summary=summary, kind="other", comment="x")
    with pytest.raises(IntegrityError):
        ErrorReport.objects.create(summary=summary, kind="other", comment="x", fingerprint=report.fingerprint)


def test_comments_are_stored_as_plain_text_within_the_limit():
    assert clean_comment("a\x00b\u202ec\u200b\r\nd ") == "abc\nd"
    assert len(clean_comment("长" * 5000)) == ErrorReport.COMMENT_MAX
    summary = SummaryFactory(published=True)
    report, _ = report_submit(summary=summary, kind="other", comment="<b>bold</b> " + "x" * 2000)
    assert report.comment.startswith("<b>bold</b> ")  # kept as typed; escaped where shown
    assert len(report.comment) == ErrorReport.COMMENT_MAX
    assert comment_fingerprint("A  b") == comment_fingerprint("a b") != comment_fingerprint("ab")
    with pytest.raises(ValueError):
        report_submit(summary=summary, kind="spam", comment="")


def test_resolving_closes_only_open_reports_and_records_who_when_and_what():
    summary = SummaryFactory(published=True)
    report, _ = report_submit(summary=summary, kind="translation", comment="typo")
    user = UserFactory()
    before = timezone.now()
    assert report_resolve(reports=[report], user=user, note="corrected the abstract",
                          fields_changed={report.pk: ["abstract_zh"]}) == 1
    assert report_resolve(reports=[report], user=UserFactory(), note="again", fields_changed={}) == 0
    report.refresh_from_db()
    assert (report.resolved_by, report.resolution_note, report.fields_changed) == (
        user, "corrected the abstract", ["abstract_zh"])
    assert report.resolved_at >= before and not report.is_open
