"""The entry's edit screen in real Chromium, in Chinese, at the two screen sizes the desk uses.

Source and correction side by side, text areas as tall as their text and
growing while one types, live character counts, findings next to their
field, and the keyboard shortcuts shown on the screen doing what they say.
"""
from __future__ import annotations

import pytest

from papers.models import Status, Summary
from papers.services.ingest import import_sources
from tests.browser.desk_login import PASSWORD, signed_in
from tests.factories import EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ENTRY = "2402.19474"  # the All-Seeing Project V2: a long abstract, "MMLMs" for MLLMs, "hallucination" in the glossary
SIZES = [(1366, 768), (1920, 1080)]
ADDED = "\n新增的一段说明。\n再一行。\n还有一行。"


@pytest.fixture
def desk(live_server, seed_digest, settings):
    settings.DEBUG = True  # static files from the live server
    import_sources([str(seed_digest)])  # drafts
    EditorFactory(username="edith", password=PASSWORD)
    ReviewerFactory(username="rui", password=PASSWORD)
    return live_server.url


def open_entry(browser, site, username, size, arxiv_id=ENTRY):
    page = signed_in(browser, site, username, locale="zh-CN", size=size)
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    summary = Summary.objects.get(paper__arxiv_id=arxiv_id)
    page.goto(f"{site}/admin/papers/summary/{summary.pk}/change/")
    return page, summary


def fits(page, selector) -> bool:
    """No inner scroll bar: the text area shows all of its text."""
    return page.eval_on_selector(selector, "el => el.scrollHeight <= el.clientHeight")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_source_and_correction_side_by_side_growing_with_counts(browser, desk, size, screenshot):
    page, summary = open_entry(browser, desk, "edith", size)
    assert "快捷键" in page.locator(".desk-keys").inner_text()  # the shortcuts, in the desk's language
    assert "保存并转到下一条" in page.content()

    source = page.locator("#row-abstract_zh .desk-source-text").bounding_box()
    area = page.locator("#id_abstract_zh").bounding_box()
    assert source["x"] + source["width"] <= area["x"]  # the English source left of the correction
    assert abs(source["y"] - area["y"]) < 40  # on the same line
    assert area["width"] > 0.3 * size[0] * 0.5  # a real column, not a sliver
    assert area["height"] > 150  # a long abstract gets a tall box, not five lines

    for name in ("headline_zh", "title_zh", "abstract_zh", "tldr", "background", "method", "results"):
        assert fits(page, f"#id_{name}"), name

    # The findings stand next to the field they concern.
    assert "MLLMs" in page.locator("#row-abstract_zh .desk-field-checks").inner_text()
    assert "hallucination" in page.locator("#row-abstract_zh .desk-field-glossary").inner_text()

    count = page.locator('[data-count-for="id_abstract_zh"] .n')
    before = int(count.inner_text())
    assert before == len(summary.abstract_zh)
    height = page.locator("#id_abstract_zh").bounding_box()["height"]
    page.locator("#id_abstract_zh").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(ADDED)
    assert int(count.inner_text()) == before + len(ADDED)
    assert page.locator("#id_abstract_zh").bounding_box()["height"] > height  # it grew
    assert fits(page, "#id_abstract_zh")
    screenshot(page, f"desk-edit-{size[0]}", full_page=False)
    assert page.console_errors == []


def test_shortcuts_save_save_and_next_and_approve(browser, desk):
    page, summary = open_entry(browser, desk, "edith", SIZES[0])
    page.fill("#id_title_zh", "全知计划V2：迈向开放世界的通用关系理解")
    page.keyboard.press("Control+s")  # save, stay on the entry
    page.wait_for_selector(".messagelist .success")
    assert page.url.endswith(f"/{summary.pk}/change/")
    summary.refresh_from_db()
    assert summary.title_zh == "全知计划V2：迈向开放世界的通用关系理解"

    page.fill("#id_tldr", "一句话：全知计划第二版。")
    page.keyboard.press("Control+Enter")  # save, then the next entry of the day's digest
    page.wait_for_url(lambda url: f"/{summary.pk}/change/" not in url)
    summary.refresh_from_db()
    assert summary.tldr == "一句话：全知计划第二版。"
    following = Summary.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
    digest = summary.paper.digest_entries.get()
    assert following.paper.digest_entries.get(digest=digest.digest).position == digest.position + 1

    # A reviewer approves with Alt+A: the entry was submitted, the shortcut makes the transition.
    from django.contrib.auth import get_user_model

    from editorial import workflow

    workflow.transition(summary, "submit", user=get_user_model().objects.get(username="edith"))
    reviewer, _ = open_entry(browser, desk, "rui", SIZES[1])
    reviewer.keyboard.press("Alt+a")
    reviewer.wait_for_selector(".messagelist .success")
    summary.refresh_from_db()
    assert summary.status == Status.APPROVED
    reviewer.keyboard.press("Alt+r")  # request changes
    reviewer.wait_for_selector(".desk-state .state-changes_requested")
    summary.refresh_from_db()
    assert summary.status == Status.CHANGES_REQUESTED
