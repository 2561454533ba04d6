"""The reading list's server side: its page, the papers' data and the BibTeX export, all public and cached."""
from __future__ import annotations

import pytest

from papers.site import reading_list
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    for arxiv_id, title in (("2402.19474", "First"), ("2401.12215", "Second"), ("hep-th/9901001", "Old")):
        SummaryFactory(paper=PaperFactory(arxiv_id=arxiv_id, title=title, authors=["Ann Author", "Bo Writer"]),
                       published=True, headline_zh=f"{title} 中文")
    SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001", title="Draft"))


def test_the_page_is_the_same_for_everybody_and_cached(client, papers):
    first = client.get("/reading-list/")
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    page = first.content.decode()
    assert 'id="reading-list"' in page and 'data-endpoint="/reading-list/papers.json"' in page
    assert 'src="/static/js/reading-list.js"' in page
    assert client.get("/reading-list/")["X-Cache"] == "hit"
    assert not first.cookies


def test_papers_json_gives_published_papers_in_the_asked_order(client, papers):
    response = client.get("/reading-list/papers.json?ids=hep-th/9901001v2,2403.00001,junk,2402.19474,2402.19474")
    assert response.status_code == 200
    rows = response.json()["papers"]
    assert [row["id"] for row in rows] == ["hep-th/9901001", "2402.19474"]  # no draft, no junk, no repeat
    assert rows[1] == {"id": "2402.19474", "url": "/paper/2402.19474/", "title": "First 中文", "subtitle": "First",
                       "authors": "Ann Author, Bo Writer", "published": rows[1]["published"]}
    english = client.get("/reading-list/papers.json?ids=2402.19474", HTTP_ACCEPT_LANGUAGE="en").json()["papers"]
    assert (english[0]["title"], english[0]["subtitle"]) == ("First", "First 中文")


def test_bib_exports_the_list_in_order_and_is_bounded(client, papers):
    response = client.get("/bib/?ids=2401.12215,2402.19474,2403.00001")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.count("@misc{") == 2 and body.index("eprint={2401.12215}") < body.index("eprint={2402.19474}")
    too_many = ",".join(f"2402.{n:05d}" for n in range(reading_list.MAX_IDS + 1))
    assert client.get(f"/bib/?ids={too_many}").status_code == 400
    assert client.get(f"/reading-list/papers.json?ids={too_many}").status_code == 400
    assert client.get("/bib/?ids=").content == b""


def test_cards_carry_the_read_later_button(client, papers):
    page = client.get("/").content.decode()
    assert 'data-reading-list-id="2402.19474"' in page and 'data-reading-list-id="hep-th/9901001"' in page
