"""The reading list in real Chromium: kept in the browser, shown on its page, exported as BibTeX."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from papers.services.ingest import IngestOptions, import_sources

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ASMV2 = "2402.19474"  # first entry of the 2024-02-29 digest
PEFT = "2401.12215"  # first paper of the Hexo seed


@pytest.fixture
def site(live_server, seed_digest, seed_hexo, settings):
    settings.DEBUG = True  # static files from the live server, as the demo serves them
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    return live_server.url


def test_add_from_a_card_see_it_listed_export_and_remove(page, site, screenshot):
    page.goto(site + "/digest/2024-02-29/")
    card_button = page.locator(f"article.entry [data-reading-list-id='{ASMV2}']")
    expect(card_button).to_be_visible()
    expect(card_button).to_have_attribute("aria-pressed", "false")
    card_button.click()
    expect(card_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-reading-list-count]")).to_have_text("1")

    page.goto(site + f"/paper/{PEFT}/")  # and one from a paper page
    page.locator(f".paper [data-reading-list-id='{PEFT}']").click()
    expect(page.locator("[data-reading-list-count]")).to_have_text("2")

    page.goto(site + "/")
    page.locator("header a[href='/reading-list/']").click()
    page.wait_for_url("**/reading-list/")
    items = page.locator("#reading-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-id", PEFT)  # the newest first
    expect(items.nth(1).locator("a.reading-title")).to_have_attribute("href", f"/paper/{ASMV2}/")
    expect(items.nth(1)).to_contain_text("全知计划V2")
    expect(page.locator("#reading-list-empty")).to_be_hidden()
    screenshot(page, "reading-list")

    export = page.locator("#reading-list-export")
    expect(export).to_be_visible()
    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert download.suggested_filename == "reading-list.bib"
    bibtex = open(download.path(), encoding="utf-8").read()
    assert bibtex.index(f"eprint={{{PEFT}}}") < bibtex.index(f"eprint={{{ASMV2}}}")
    assert bibtex.count("@misc{") == 2 and "archivePrefix={arXiv}" in bibtex

    items.first.locator("button.reading-remove").click()
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-id", ASMV2)
    page.reload()  # kept in the browser's storage, not in the page
    expect(page.locator("#reading-list li")).to_have_count(1)
    page.locator("#reading-list li button.reading-remove").click()
    expect(page.locator("#reading-list li")).to_have_count(0)
    expect(page.locator("#reading-list-empty")).to_be_visible()
    expect(export).to_be_hidden()

    page.goto(site + "/digest/2024-02-29/")  # the card knows it left the list
    expect(page.locator(f"article.entry [data-reading-list-id='{ASMV2}']")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("document.cookie") == ""  # no tracking: nothing but localStorage
    assert page.console_errors == []
