"""End to end in real Chromium: an editor corrects, a reviewer publishes, a reader sees it."""
from __future__ import annotations

import pytest

from papers.models import Summary
from papers.services.ingest import import_sources
from tests.browser.desk_login import PASSWORD, signed_in
from tests.factories import EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CORRECTED = "全知计划V2：迈向开放世界的通用关系理解"


@pytest.fixture
def desk(live_server, seed_digest, settings):
    settings.DEBUG = True  # static files from the live server
    import_sources([str(seed_digest)])  # drafts
    EditorFactory(username="edith", password=PASSWORD)
    ReviewerFactory(username="rui", password=PASSWORD)
    return live_server.url


def open_entry(page, site, arxiv_id):
    page.goto(site + "/admin/papers/summary/?q=" + arxiv_id)
    page.locator("#result_list a", has_text=arxiv_id).first.click()
    page.wait_for_url("**/change/**")


def test_editor_corrects_reviewer_publishes_reader_sees(browser, desk, screenshot):
    site = desk
    reader = browser.new_context(locale="zh-CN").new_page()
    assert reader.goto(site + "/paper/2402.19474/").status == 404  # not before it is published
    reader.goto(site + "/")
    assert CORRECTED not in reader.content()

    editor = signed_in(browser, site, "edith")
    open_entry(editor, site, "2402.19474")
    editor.fill("#id_title_zh", CORRECTED)
    editor.click("input[name=_continue]")
    editor.wait_for_load_state()
    assert "was changed successfully" in editor.content()
    screenshot(editor, "desk-entry", full_page=False)
    editor.get_by_role("button", name="Submit for review").click()
    editor.wait_for_load_state()
    assert "In review" in editor.locator(".desk-state").inner_text()
    assert editor.get_by_role("button", name="Approve").count() == 0  # editors cannot approve

    reviewer = signed_in(browser, site, "rui")
    open_entry(reviewer, site, "2402.19474")
    assert reviewer.locator("#id_title_zh").input_value() == CORRECTED
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state()
    assert "Approved" in reviewer.locator(".desk-state").inner_text()

    reviewer.goto(site + "/admin/papers/digest/")
    reviewer.locator("#result_list tbody a").first.click()
    reviewer.wait_for_url("**/change/**")
    for name in ("Submit for review", "Approve", "Publish"):
        reviewer.get_by_role("button", name=name, exact=True).click()
        reviewer.wait_for_load_state()
    assert "27 entries are not approved" in reviewer.content()  # blocked, with the list
    screenshot(reviewer, "desk-digest-blocked", full_page=False)
    reviewer.fill("input[name=comment]", "Only the reviewed entry today")
    reviewer.get_by_role("button", name="Publish, leaving out 27 unapproved entries").click()
    reviewer.wait_for_load_state()
    assert "MLLMs" in reviewer.content()  # the corrected entry still has a check finding: MMLMs in the abstract
    reviewer.fill("input[name=comment]", "Only the reviewed entry today; MMLMs checked by hand")
    reviewer.check("input[name=override]")
    reviewer.get_by_role("button", name="Publish anyway").click()
    reviewer.wait_for_load_state()
    assert "Published" in reviewer.locator(".desk-state").inner_text()

    assert reader.goto(site + "/paper/2402.19474/").status == 200
    assert CORRECTED in reader.content()
    reader.goto(site + "/digest/2024-02-29/")
    assert reader.locator("article.entry").count() == 1
    screenshot(reader, "desk-published-paper", full_page=False)
    assert Summary.objects.get(paper__arxiv_id="2402.19474").status == "published"
