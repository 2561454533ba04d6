"""The ledger of announcement days: each kind of exclusion counted, failed days kept apart from quiet ones."""
from __future__ import annotations

import datetime as dt

import pytest

from papers.importers.sources import InputError
from papers.models import FetchDay, FetchDayItem, Status, Summary
from papers.services import transitions
from papers.services.fetching import arxiv_announcements_fetch
from papers.services.generation import summary_mark_failed
from papers.summarizers import get_backend
from tests.factories import DigestFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 5)  # a Tuesday

ITEM = """<item><title>{title}</title><link>https://arxiv.org/abs/{link}</link>
<description>arXiv:{arxiv_id}v{version} Announce Type: {kind}
Abstract: {abstract}</description><guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v{version}</guid>
{categories}<pubDate>Tue, 05 Mar 2024 00:00:00 -0500</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>
<dc:creator>Ann Author, Bob Builder</dc:creator></item>"""


def item(arxiv_id: str, kind: str, categories: list[str], title: str, abstract: str, *, version: int = 1,
         link: str | None = None) -> str:
    return ITEM.format(arxiv_id=arxiv_id, kind=kind, title=title, abstract=abstract, version=version,
                       link=link or arxiv_id, categories="".join(f"<category>{c}</category>" for c in categories))


def feed(*items: str, day: str = "Tue, 05 Mar 2024 00:00:00 -0500") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel><title>cs.CL, cs.AI updates on arXiv.org'
        f'</title><link>http://rss.arxiv.org/rss/cs.CL+cs.AI</link><pubDate>{day}</pubDate>'
        '<skipDays><day>Saturday</day><day>Sunday</day></skipDays>' + "".join(items) + "</channel></rss>"
    ).encode()


class FakeFeed:
    def __init__(self, *bodies: bytes | InputError):
        self.bodies = list(bodies)

    def get(self, url: str) -> bytes:
        body = self.bodies.pop(0)
        if isinstance(body, InputError):
            raise body
        return body


# A day with every fate: selected papers (summarized and waiting, published, failed summary), one not in the site's
# topics, one already in an earlier day's digest, one whose import failed; and replacements, which are no day's papers.
DAY_FEED = feed(
    item("2403.01001", "new", ["cs.CL"], "Agents that plan with large language models", "An LLM agent plans."),
    item("2403.01002", "new", ["cs.CL", "cs.AI"], "Retrieval-augmented generation for law", "RAG for statutes."),
    item("2403.01003", "new", ["cs.CL"], "Tool use by language agents", "Agents call tools; the call fails less."),
    item("2403.01004", "new", ["cs.CL"], "Morphology of Welsh verbs", "We segment Welsh verbs into morphemes."),
    item("2403.01005", "cross", ["cs.CV", "cs.AI"], "Vision agents in kitchens", "An agent cooks from video."),
    item("2403.01006", "new", ["cs.AI"], "Agentic workflows at scale", "Agents again, announced before."),
    item("2403.01007", "new", ["cs.CL"], "A paper that links elsewhere", "An LLM paper.", link="2403.09999"),
    item("2402.00001", "replace", ["cs.CL"], "An older paper", "Its second version.", version=2),
    item("2402.00002", "replace-cross", ["cs.LG", "cs.CL"], "Another older paper", "Its third version.", version=3),
)


@pytest.fixture
def categories(settings):
    settings.ARXIV_CATEGORIES = ["cs.CL", "cs.AI"]
    return settings.ARXIV_CATEGORIES


def outcomes(row: FetchDay) -> dict[str, tuple[str, str, str]]:
    return {i.arxiv_id: (i.announce_type, i.outcome, i.reason) for i in row.items.all()}


def test_a_day_with_each_kind_of_exclusion_gives_the_right_ledger(categories):
    earlier = PaperFactory(arxiv_id="2403.01006", title="Agentic workflows at scale")
    DigestFactory(date=dt.date(2024, 3, 4), papers=[earlier])
    fetched = arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get)
    assert fetched.day == DAY
    summarized = {p.arxiv_id: p for p in fetched.new_papers}
    assert sorted(summarized) == ["2403.01001", "2403.01002", "2403.01003", "2403.01005"]
    # What became of the day's papers after the fetch: drafts written, one published, one summary failed.
    for arxiv_id in ("2403.01001", "2403.01002", "2403.01005"):
        SummaryFactory(paper=summarized[arxiv_id])
    transitions.state_change(objects=[Summary.objects.get(paper__arxiv_id="2403.01002")], action="publish",
                             target=Status.PUBLISHED)
    backend = get_backend()
    summary_mark_failed(paper=summarized["2403.01003"], backend=backend, input_hash="x",
                        reason="invalid JSON twice: missing tldr")

    cl, ai = FetchDay.objects.with_counts().order_by("category")[1], FetchDay.objects.with_counts().get(category="cs.AI")
    assert cl.category == "cs.CL" and (cl.day, cl.state, ai.state) == (DAY, "fetched", "fetched")
    assert cl.announced == {"new": 5, "replace": 1, "replace-cross": 1}
    assert ai.announced == {"cross": 2, "new": 1}  # 2403.01002 is new in cs.CL, a cross-list in cs.AI
    assert outcomes(cl) == {
        "2403.01001": ("new", "selected", ""),
        "2403.01002": ("new", "selected", ""),
        "2403.01003": ("new", "selected", ""),
        "2403.01004": ("new", "not_selected", "title and abstract do not match ARXIV_SELECT"),
        "2403.01007": ("new", "failed", "item links to “https://arxiv.org/abs/2403.09999”, not to arXiv 2403.01007; "
                                        "item skipped"),
    }
    assert outcomes(ai) == {
        "2403.01002": ("cross", "selected", ""),
        "2403.01005": ("cross", "selected", ""),
        "2403.01006": ("new", "duplicate", "already in the digest of 2024-03-04"),
    }
    counted = ("imported", "selected", "summarized", "waiting", "published", "summary_failed", "not_selected",
               "duplicates", "import_failed")
    assert {name: getattr(cl, name) for name in counted} == {
        "imported": 4, "selected": 3, "summarized": 2, "waiting": 1, "published": 1, "summary_failed": 1,
        "not_selected": 1, "duplicates": 0, "import_failed": 1}
    assert {name: getattr(ai, name) for name in counted} == {
        "imported": 3, "selected": 2, "summarized": 2, "waiting": 1, "published": 1, "summary_failed": 0,
        "not_selected": 0, "duplicates": 1, "import_failed": 0}
    # The duplicate stays in its own day's digest only; the day's digest holds the selected papers.
    assert sorted(fetched.batch.errors.values_list("arxiv_id", flat=True)) == ["2403.01007"]
    from papers.models import Digest
    day_digest = Digest.objects.get(date=DAY, topic=None)
    assert sorted(day_digest.entries.values_list("paper__arxiv_id", flat=True)) == sorted(summarized)


def test_the_counts_are_one_query(categories, django_assert_num_queries):
    arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get)
    with django_assert_num_queries(1):
        assert [row.selected for row in FetchDay.objects.with_counts().order_by("category")] == [3, 3]


def test_fetching_a_day_again_rewrites_its_ledger_not_adds_to_it(categories):
    arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get)
    arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get)
    row = FetchDay.objects.get(category="cs.CL")
    assert (row.attempts, row.items.count(), row.announced["new"]) == (2, 5, 5)
    assert FetchDayItem.objects.count() == 8


def test_a_failed_fetch_leaves_the_day_failed_until_a_retry_reads_it(categories):
    unreachable = InputError("https://rss.arxiv.org/rss/cs.CL+cs.AI", "cannot fetch: timed out")
    from papers.services.ledger import fetch_retry_due
    assert not fetch_retry_due(categories=categories)  # nothing fetched yet: nothing to retry
    arxiv_announcements_fetch(get=FakeFeed(unreachable).get, expected=DAY)
    rows = FetchDay.objects.filter(day=DAY)
    assert sorted(rows.values_list("category", "state", "error", "attempts")) == [
        ("cs.AI", "failed", "cannot fetch: timed out", 1), ("cs.CL", "failed", "cannot fetch: timed out", 1)]
    assert fetch_retry_due(categories=categories)

    empty = feed()  # a Tuesday without items: not a quiet day
    arxiv_announcements_fetch(get=FakeFeed(empty).get, expected=DAY)
    row = FetchDay.objects.get(day=DAY, category="cs.CL")
    assert (row.state, row.attempts) == ("failed", 2)
    assert row.error == "the feed has no items on Tuesday 2024-03-05, a day arXiv announces: a holiday, or the " \
                        "announcement has not come"
    assert fetch_retry_due(categories=categories)

    arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get, expected=DAY)
    row = FetchDay.objects.get(day=DAY, category="cs.CL")
    assert (row.state, row.attempts, row.error, row.announced["new"]) == ("fetched", 3, "", 5)
    assert not fetch_retry_due(categories=categories)
    # A later failed attempt never turns a day that was read into a failed one.
    arxiv_announcements_fetch(get=FakeFeed(unreachable).get, expected=DAY)
    assert FetchDay.objects.get(day=DAY, category="cs.CL").state == "fetched"


def test_a_weekend_is_quiet_and_a_feed_still_on_an_earlier_day_leaves_today_failed(categories):
    saturday = feed(day="Sat, 09 Mar 2024 00:00:00 -0500")
    arxiv_announcements_fetch(get=FakeFeed(saturday).get, expected=dt.date(2024, 3, 9))
    assert set(FetchDay.objects.values_list("day", "state")) == {(dt.date(2024, 3, 9), "quiet")}
    assert not FetchDay.objects.filter(state="failed").exists()

    wednesday = dt.date(2024, 3, 6)
    arxiv_announcements_fetch(get=FakeFeed(DAY_FEED).get, expected=wednesday)  # arXiv has not moved on yet
    assert FetchDay.objects.get(day=DAY, category="cs.CL").state == "fetched"
    stale = FetchDay.objects.get(day=wednesday, category="cs.CL")
    assert (stale.state, stale.error) == ("failed", "arXiv's feed still shows the announcements of 2024-03-05")
