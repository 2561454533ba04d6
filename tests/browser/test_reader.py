"""A reader in real Chromium: every page type, language switch, tags, search."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from papers.models import Paper
from papers.services.ingest import IngestOptions, import_sources

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site(live_server, seed_digest, seed_hexo, settings):
    settings.DEBUG = True  # serve static files (KaTeX, CSS) from the live server, as the demo does
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    return live_server.url


def test_reader_walks_every_page_type(page, site, screenshot):
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == "大模型、智能体与 RAG 新论文"
    screenshot(page, "home")

    page.get_by_role("link", name="往期", exact=True).click()
    page.wait_for_url("**/digest/")
    screenshot(page, "archive")
    page.get_by_role("link", name="2024-02-29").first.click()
    page.wait_for_url("**/digest/2024-02-29/")
    assert page.locator("article.entry").count() == 28
    screenshot(page, "digest", full_page=False)

    page.locator("article.entry h3 a", has_text="全知计划V2").click()
    page.wait_for_url("**/paper/**")
    assert page.locator("h1").inner_text().startswith("《全知计划V2》")
    screenshot(page, "paper")

    page.goto(site + "/paper/2401.12215/")
    page.get_by_role("link", name="LLM", exact=True).last.click()  # the tag
    page.wait_for_url("**/tag/llm/")
    assert page.locator("article.entry").count() == 14
    screenshot(page, "tag", full_page=False)

    page.goto(site + "/topic/agent/")
    assert page.locator("article.entry").count() == 8
    screenshot(page, "topic", full_page=False)
    page.goto(site + "/tag/llm/")  # the Hexo papers carry authors; the 论文速览 digest does not
    author = page.locator("article.entry .meta a[href^='/author/']").first
    slug = author.get_attribute("href").strip("/").split("/")[-1]
    author.click()
    page.wait_for_url(f"**/author/{slug}/")
    assert page.locator("article.entry").count() == Paper.objects.published().filter(authors__slug=slug).count()
    screenshot(page, "author", full_page=False)
    assert page.console_errors == []


def test_search_and_language_switch(page, site, screenshot):
    page.goto(site + "/")
    page.get_by_role("searchbox").first.fill("关系理解")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/**")
    first = page.locator("article.entry h3").first.inner_text()
    assert first.startswith("《全知计划V2》")
    screenshot(page, "search", full_page=False)

    # The switch posts a form that redirects back to the same URL, so neither the URL nor the load
    # state tells the new page from the old one: wait for the new page's language itself.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("article.entry h3").first.inner_text().startswith("The All-Seeing Project V2")
    page.goto(site + "/")  # the choice is remembered
    assert page.get_by_role("heading", level=1).inner_text() == "New papers on LLMs, agents and RAG"
    page.get_by_role("searchbox").first.fill("relation comprehension")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?(.*&)?q=relation"))  # not the Chinese search still shown
    assert page.locator("article.entry h3").first.inner_text().startswith("The All-Seeing Project V2")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert page.console_errors == []


def test_phone_layout_and_keyboard(browser, site, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    assert page.goto(site + "/digest/2024-02-29/").status == 200
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    screenshot(page, "digest-phone", full_page=False)
    context.close()
