"""Entry cards on PostgreSQL: keyed by a hash of their content that the database takes, so a cached card costs one short row."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from papers.models import Author, Paper, Summary, Topic
from papers.site import fragments
from tests.factories import AuthorFactory, AuthorshipFactory

pytestmark = pytest.mark.django_db


def _paper_with_authors() -> Paper:
    return Paper.objects.published().filter(authorships__isnull=False, topic__isnull=False,
                                            summary__isnull=False).order_by("pk").first()


def _stamp(paper: Paper) -> str:
    return fragments._stamps(connection.alias, [paper.pk])[paper.pk][1]


def test_the_stamp_changes_with_everything_a_card_shows_and_nothing_else(published):
    paper = _paper_with_authors()
    stamps = [_stamp(paper)]

    def changed(what: str):
        stamps.append(_stamp(paper))
        assert stamps[-1] != stamps[-2], what

    Paper.objects.filter(pk=paper.pk).update(comments="12 pages, 3 figures", doi="10.1/x")  # not on the card
    assert _stamp(paper) == stamps[-1]
    Paper.objects.filter(pk=paper.pk).update(title="A corrected English title")
    changed("title")
    Paper.objects.filter(pk=paper.pk).update(code_url="https://github.com/example/code")
    changed("code link")
    Summary.objects.filter(paper=paper).update(tldr="改过的一句话")
    changed("one-line summary")
    Summary.objects.filter(paper=paper).update(summary_language="en")
    changed("summary language")
    Topic.objects.filter(pk=paper.topic_id).update(name_en="Renamed topic")
    changed("topic name")
    first = paper.authorships.order_by("position").first().author
    Author.objects.filter(pk=first.pk).update(name="Renamed Author")
    changed("a shown author's name")
    for position in range(paper.authorships.count(), fragments.AUTHORS_SHOWN + 2):
        AuthorshipFactory(paper=paper, author=AuthorFactory())
        changed(f"byline of {position + 1}")
    hidden = paper.authorships.order_by("position").last().author  # past the four a card shows
    Author.objects.filter(pk=hidden.pk).update(name="Nobody On The Card")
    assert _stamp(paper) == stamps[-1]


def test_a_card_rendered_is_cached_under_the_key_the_next_page_looks_up(published):
    ids = list(Paper.objects.published().order_by("pk").values_list("pk", flat=True)[:5])
    rendered = {paper.pk: paper.card_stamp for paper in fragments.CARDS_STAMPED(ids=ids)}
    assert rendered == {pk: stamp for pk, (_, stamp) in fragments._stamps(connection.alias, ids).items()}
    with translation.override("zh-hans"):
        with CaptureQueriesContext(connection) as first:
            cards = fragments.cards_of(ids)
        with CaptureQueriesContext(connection) as again:
            assert fragments.cards_of(ids) == cards
    assert len(first.captured_queries) == 3  # the stamps, the papers read whole, their bylines
    assert len(again.captured_queries) == 1  # the stamps only: every card from the cache
    assert [card.pk for card in cards] == ids
    assert all(card.arxiv_id in card.card for card in cards)


def test_cards_keep_the_order_asked_and_leave_out_a_paper_that_is_gone(published):
    a, b = Paper.objects.published().order_by("pk")[:2]
    gone = Paper.objects.order_by("-pk").first().pk + 1000
    assert [card.arxiv_id for card in fragments.cards_of([b.pk, gone, a.pk])] == [b.arxiv_id, a.arxiv_id]


def test_list_pages_share_the_search_pages_cards_and_follow_an_author_rename(client, published, settings):
    settings.PAGE_CACHE = False  # only the entry cards are cached
    paper = _paper_with_authors()
    first = paper.authorships.order_by("position").first().author
    word = paper.title.split()[0]
    assert first.name in client.get("/search/", {"q": word}).content.decode()
    Author.objects.filter(pk=first.pk).update(name="Renamed Author")
    for url in (f"/search/?q={word}", f"/topic/{paper.topic.slug}/"):
        assert "Renamed Author" in client.get(url).content.decode(), url


def test_list_pages_with_their_cards_cached_read_no_card_text(client, published, settings):
    settings.PAGE_CACHE = False
    paper = _paper_with_authors()
    day = paper.digests.filter(status="published").first().date
    word = paper.title.split()[0]
    for url in ("/", f"/digest/{day}/", f"/topic/{paper.topic.slug}/", f"/search/?q={word}"):
        client.get(url)  # the cards rendered and cached
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        assert paper.arxiv_id in page or url == "/", url
        text_read = [q["sql"] for q in queries
                     if '"papers_paper"."abstract"' in q["sql"] or '"papers_summary"."tldr"' in q["sql"]]
        assert text_read == [], url


def test_a_digest_day_looks_its_cards_up_by_the_stamps_every_list_takes_and_follows_an_edit(client, published,
                                                                                             settings):
    from papers.site import page_queries

    settings.PAGE_CACHE = False
    paper = _paper_with_authors()
    day = paper.digests.filter(status="published").first().date
    digests = [digest.pk for digest in page_queries.DIGESTS_OF_DAY(day=day)]
    rows, stamps = page_queries._day_rows_stamped(connection.alias, digests)
    assert paper.pk in stamps and len(rows) >= len(stamps) > 1
    assert stamps == fragments._stamps(connection.alias, list(stamps))  # the keys the other pages cache cards under
    client.get(f"/digest/{day}/")
    Paper.objects.filter(pk=paper.pk).update(title="A title edited after the day was read")
    assert "A title edited after the day was read" in client.get(f"/digest/{day}/").content.decode()
