"""The day's page says how arXiv's announcements were covered, from the ledger, in plain text and both languages."""
from __future__ import annotations

import datetime as dt

import pytest

from papers.models import FetchDay, Status
from tests.factories import DigestFactory, FetchDayFactory, FetchDayItemFactory, SummaryFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 5)


@pytest.fixture
def covered_day():
    """cs.CL: 612 new and cross-listed, three selected of which two published; cs.AI: 40, one published."""
    cl = FetchDayFactory(day=DAY, category="cs.CL", announced={"new": 600, "cross": 12, "replace": 30})
    ai = FetchDayFactory(day=DAY, category="cs.AI", announced={"new": 39, "cross": 1})
    FetchDayFactory(day=DAY, category="cs.LG", announced={})  # listed nothing: no clause
    published = [SummaryFactory(published=True).paper for _ in range(2)]
    for paper in published:
        FetchDayItemFactory(fetch_day=cl, paper=paper)
    FetchDayItemFactory(fetch_day=ai, paper=published[0], announce_type="cross")
    FetchDayItemFactory(fetch_day=cl, paper=SummaryFactory().paper)  # a draft: not on the page
    FetchDayItemFactory(fetch_day=cl, outcome="not_selected", paper=SummaryFactory(published=True).paper)
    DigestFactory(date=DAY, status=Status.PUBLISHED, papers=published)
    return cl


def test_the_day_page_says_how_the_day_was_covered_in_english_and_chinese(client, covered_day):
    english = client.get(f"/digest/{DAY}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('<p class="coverage">How this day was covered: 1 of 40 new cs.AI papers; 2 of 612 new cs.CL papers, '
            "selected by keywords in the title or abstract (LLM, language model, agent, RAG).</p>") in english
    chinese = client.get(f"/digest/{DAY}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ('<p class="coverage">本日收录：cs.AI 新论文 40 篇中的 1 篇；cs.CL 新论文 612 篇中的 2 篇，'
            "按标题或摘要中的关键词（LLM、语言模型、智能体、RAG）筛选。</p>") in chinese


def test_the_rule_is_the_sites_own_words_in_plain_text(client, covered_day, settings):
    settings.ARXIV_SELECT_LABEL = "<b>our</b> editors' reading list"
    english = client.get(f"/digest/{DAY}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of 612 new cs.CL papers, selected by &lt;b&gt;our&lt;/b&gt; editors&#x27; reading list.</p>" in english


def test_with_no_selection_rule_the_sentence_names_none(client, covered_day, settings):
    settings.ARXIV_SELECT = ""  # every announced paper is the day's
    english = client.get(f"/digest/{DAY}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How this day was covered: 1 of 40 new cs.AI papers; 2 of 612 new cs.CL papers.</p>" in english


def test_a_day_without_a_ledger_or_whose_fetch_failed_says_nothing(client):
    DigestFactory(date=DAY, status=Status.PUBLISHED, papers=[SummaryFactory(published=True).paper])
    assert 'class="coverage"' not in client.get(f"/digest/{DAY}/").content.decode()
    FetchDayFactory(day=DAY, failed=True)
    from django.core.cache import cache
    cache.clear()
    assert 'class="coverage"' not in client.get(f"/digest/{DAY}/").content.decode()
