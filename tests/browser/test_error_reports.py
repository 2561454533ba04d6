"""End to end in real Chromium: a reader reports an error, the desk fixes it, the page says it was corrected."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from papers.models import Correction, ErrorReport
from tests.browser.desk_login import PASSWORD, signed_in
from tests.factories import ReviewerFactory, SummaryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COMMENT = '摘要把 <b>MLLMs</b> 写成了 MMLMs <script>alert("x")</script>'


@pytest.fixture
def site(live_server, settings):
    settings.DEBUG = True  # static files from the live server
    summary = SummaryFactory(published=True)
    ReviewerFactory(username="rui", password=PASSWORD)
    return live_server.url, summary


def run_action(page, name: str):
    page.locator("#result_list input.action-select").first.check()
    page.select_option("select[name=action]", name)
    page.click("button[name=index]")
    page.wait_for_load_state()


def test_a_report_becomes_a_desk_task_and_the_fix_is_shown_as_a_correction(browser, site, screenshot):
    url, summary = site
    arxiv_id = summary.paper.arxiv_id
    reader = browser.new_context(locale="zh-CN").new_page()
    dialogs = []
    reader.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    reader.goto(f"{url}/paper/{arxiv_id}/")
    assert reader.locator(".corrections").count() == 0

    # The reader opens the box: the form (with its token) comes from its own URL, into the page.
    reader.click("details.report-error > summary")
    reader.locator(".report-form form").wait_for()
    reader.check(".report-form input[value=translation]")
    reader.fill(".report-form textarea", COMMENT)
    screenshot(reader, "report-an-error", full_page=False)
    reader.click(".report-form button[type=submit]")
    reader.locator(".report-received").wait_for()
    assert reader.url == f"{url}/paper/{arxiv_id}/"  # still on the paper page
    report = ErrorReport.objects.get()
    assert (report.summary_id, report.kind, report.comment) == (summary.pk, "translation", COMMENT)

    # The desk: the entry is in the queue of entries with open reports, the report shown as text.
    desk = signed_in(browser, url, "rui")
    desk.goto(f"{url}/admin/papers/summary/?reports=open")
    assert desk.locator("#result_list tbody tr").count() == 1
    desk.locator("#result_list a", has_text=arxiv_id).first.click()
    desk.wait_for_url("**/change/**")
    panel = desk.locator(".desk-error-reports")
    assert COMMENT in panel.inner_text()  # escaped: the markup is text, nothing ran
    assert panel.locator("b, script").count() == 0 and not dialogs

    # Taken by the reviewer, from the reports' queue.
    desk.goto(f"{url}/admin/papers/errorreport/")
    assert COMMENT[:20] in desk.locator("#result_list").inner_text()
    run_action(desk, "assign_to_me")
    assert "assigned to rui" in desk.content()

    # The fix: withdrawn, corrected, published again.
    desk.goto(f"{url}/admin/papers/summary/{summary.pk}/change/")
    desk.get_by_role("button", name="Unpublish", exact=True).click()
    desk.wait_for_load_state()
    corrected = summary.abstract_zh + "（已更正：MLLMs）"
    desk.fill("#id_abstract_zh", corrected)
    desk.click("input[name=_continue]")
    desk.wait_for_load_state()
    for name in ("Submit for review", "Approve", "Publish"):
        desk.get_by_role("button", name=name, exact=True).click()
        desk.wait_for_load_state()
    assert "Published" in desk.locator(".desk-state").inner_text()

    # Resolved, with a note: who fixed what is recorded.
    desk.goto(f"{url}/admin/papers/errorreport/")
    run_action(desk, "resolve")
    desk.fill("textarea[name=note]", "MMLMs → MLLMs")
    desk.get_by_role("button", name="Resolve", exact=True).click()
    desk.wait_for_load_state()
    assert "1 report resolved" in desk.content()
    report.refresh_from_db()
    assert (report.resolved_by.username, report.resolution_note, report.fields_changed) == (
        "rui", "MMLMs → MLLMs", ["abstract_zh"])

    # The reader's page says when it was corrected, and what.
    correction = Correction.objects.get()
    assert correction.fields == ["abstract_zh"]
    reader.goto(f"{url}/paper/{arxiv_id}/")
    note = reader.locator(".corrections .correction")
    assert note.count() == 1 and note.get_attribute("data-fields") == "abstract_zh"
    assert timezone.localdate().isoformat() in note.inner_text()
    assert corrected in reader.content() and COMMENT not in reader.content()
    screenshot(reader, "corrected-on", full_page=False)
    assert isinstance(correction.corrected_at, dt.datetime)
