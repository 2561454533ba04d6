"""papers.importers.arxiv_announce: arXiv's announcement feeds (RSS 2.0 and Atom), pure parsing."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from papers.importers import arxiv_announce, arxiv_atom, detect
from papers.importers.records import FileNote, PaperRecord, ParseFailure
from papers.importers.sources import InputError, from_bytes, from_path

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv_announce"
RSS = DATA / "rss_cs.CL+cs.AI_2024-03-04.xml"
ATOM = DATA / "atom_cs.CL+cs.AI_2024-03-04.xml"
MONDAY = dt.date(2024, 3, 4)


def parse(path_or_file):
    file = from_path(path_or_file) if isinstance(path_or_file, Path) else path_or_file
    return list(arxiv_announce.parse(file))


@pytest.mark.parametrize("path", [RSS, ATOM], ids=["rss", "atom"])
def test_both_variants_give_the_same_records(path):
    records = parse(path)
    assert all(isinstance(r, PaperRecord) for r in records)
    assert [(r.arxiv_id, r.version, r.announce_type, r.update_only) for r in records] == [
        ("2403.00101", 1, "new", False), ("2403.00102", 1, "new", False), ("2403.00150", 1, "cross", False),
        ("2402.19474", 2, "replace", True), ("2402.19446", 3, "replace-cross", True), ("2401.00001", 3, "replace", True)]
    new, _, cross, replaced, replaced_cross, _ = records
    assert new.title == "Agentic Retrieval for Long Documents"
    assert new.authors == ["Mei Chen", "Rahul Gupta", "Sofia Rossi", "Tom Baker"]  # affiliation and "and" dropped
    assert new.abstract.startswith("Long documents defeat single-shot retrieval-augmented generation. We let an agent")
    assert "Announce Type" not in new.abstract and not new.abstract.startswith("Abstract")
    assert new.categories == ["cs.CL", "cs.AI"] and new.license == "http://creativecommons.org/licenses/by/4.0/"
    assert new.code_url == "https://github.com/example/agentic-retrieval"
    assert (new.published, new.updated) == (MONDAY, MONDAY)
    assert (cross.categories, cross.published, cross.updated) == (["cs.LG", "cs.CL"], None, MONDAY)
    assert replaced.title == "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    assert (replaced.published, replaced.updated) == (None, MONDAY)  # a new version keeps the first date
    assert (replaced.doi, replaced.journal_ref) == ("10.1000/example.2024.19474", "Proceedings of ECCV 2024")
    assert replaced.authors == ["Weiyun Wang", "Yiming Ren", "Haowen Luo", "Jifeng Dai"]
    assert replaced_cross.title == "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn Reinforcement Learning"
    assert all(r.warnings == [] for r in records)


def test_rss_and_atom_agree_field_by_field():
    def fields(record):
        return {k: v for k, v in record.__dict__.items() if k not in {"raw", "line", "source"}}

    assert [fields(r) for r in parse(RSS)] == [fields(r) for r in parse(ATOM)]


@pytest.mark.parametrize("path", [RSS, ATOM, DATA / "rss_cs.CL+cs.AI_2024-03-09_saturday.xml",
                                  DATA / "atom_cs.CL+cs.AI_2024-03-09_saturday.xml"], ids=lambda p: p.name)
def test_detected_as_announcement_feeds(path):
    assert detect(from_path(path)) is arxiv_announce


def test_an_api_response_is_still_the_api_format(data_dir):
    assert detect(from_path(data_dir / "arxiv_api_response.xml")) is arxiv_atom


@pytest.mark.parametrize("name", ["rss_cs.CL+cs.AI_2024-03-09_saturday.xml", "atom_cs.CL+cs.AI_2024-03-09_saturday.xml"])
def test_a_weekend_feed_is_a_quiet_day(name):
    [note] = parse(DATA / name)
    assert isinstance(note, FileNote) and note.line == 2
    assert note.message == "no announcements on Saturday 2024-03-09 (the feed's skipDays: Saturday, Sunday)"


EMPTY_WEEKDAY = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0"><channel>
<title>cs.CL updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CL</link>
<pubDate>Wed, 06 Mar 2024 00:00:00 -0500</pubDate>
<skipDays><day>Saturday</day><day>Sunday</day></skipDays>
</channel></rss>
"""


def test_an_empty_feed_on_a_weekday_is_a_failure_not_a_quiet_day():
    [failure] = parse(from_bytes("cs.CL.xml", EMPTY_WEEKDAY))
    assert isinstance(failure, ParseFailure) and failure.line == 2
    assert failure.reason == ("the feed has no items on Wednesday 2024-03-06, a day arXiv announces: a holiday, or the "
                              "announcement has not come")


def test_arxivs_error_feed_is_a_failure():
    body = (b'<?xml version="1.0"?><rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>'
            b"<title>Feed error for query: https://rss.arxiv.org/rss/cs.XX</title>"
            b"<link>http://rss.arxiv.org/rss/cs.XX</link><description>Invalid archive specification: cs.XX</description>"
            b"</channel></rss>")
    [failure] = parse(from_bytes("cs.XX.xml", body))
    assert failure.reason == "arXiv answered with an error feed: Invalid archive specification: cs.XX"


def test_a_hostile_feed_fails_item_by_item_and_expands_nothing():
    results = parse(DATA / "rss_hostile.xml")
    failures = [(r.line, r.reason) for r in results if isinstance(r, ParseFailure)]
    assert failures == [
        (17, "item uses XML entities (&lol9;, &secret;), which are never expanded; item skipped"),
        (27, "item links to “javascript:alert(document.cookie)”, not to arXiv 2403.00202; item skipped"),
        (37, "item has no arXiv id (description “Click here for free GPUs”, id “”)"),
        (53, "unknown announce type “publish-now”"),
        (62, "duplicate entry: 2403.00204 already appears at line 42"),
    ]
    [record] = [r for r in results if isinstance(r, PaperRecord)]
    assert record.arxiv_id == "2403.00204"
    assert record.title == "<script>alert(1)</script> Prompt Injection in Tool-Using Agents"  # text, escaped where shown
    assert record.published == dt.date(2024, 3, 5)
    assert not any("root:" in str(r.__dict__) for r in results)


def test_a_feed_cut_short_ends_the_file():
    with pytest.raises(InputError, match="XML is malformed or cut short"):
        parse(from_bytes("cut.xml", RSS.read_bytes()[:2000]))


def test_announced_lists_every_item_by_type():
    feed = arxiv_announce.announcements(RSS.read_bytes())
    assert feed.day == MONDAY and feed.skip_days == {"Saturday", "Sunday"}
    assert arxiv_announce.announced(feed) == {
        "2403.00101": "new", "2403.00102": "new", "2403.00150": "cross", "2402.19474": "replace",
        "2402.19446": "replace-cross", "2401.00001": "replace"}
    assert arxiv_announce.announcements(b"<rss><channel>") is None


@pytest.mark.parametrize("creator, names", [
    ("Ann Author", ["Ann Author"]),
    ("Ann Author, Bob Builder and Carol Coder", ["Ann Author", "Bob Builder", "Carol Coder"]),
    ("Ann Author (MIT, CSAIL), Bob Builder (ETH Z\u00fcrich)", ["Ann Author", "Bob Builder"]),
])
def test_authors_from_dc_creator(creator, names):
    assert arxiv_announce._authors(creator) == names


@pytest.mark.parametrize("body, reason", [
    (b"<html><body>503 Service Unavailable</body></html>", "not an RSS or Atom announcement feed (its root is <html>)"),
    (b'<rss version="2.0"></rss>', "not an RSS or Atom announcement feed (its root is <rss> without a channel)"),
])
def test_something_else_than_a_feed(body, reason):
    [failure] = parse(from_bytes("feed.xml", body))
    assert failure.reason == reason
