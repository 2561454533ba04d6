"""papers.importers.arxiv_atom: export.arxiv.org/api/query responses, pure parsing.

tests/data/arxiv_api_response.xml is shaped like a recorded API answer for
id_list=2402.19474,2402.19465,2402.19446.  Titles and abstracts are the real
ones (as in demo/seeds/000); authors, comments, the affiliation, journal_ref
and DOI are plausible stand-ins, not checked against arXiv.
"""
from __future__ import annotations

import datetime as dt
import time

import pytest

from papers.importers import arxiv_atom
from papers.importers.records import PaperRecord, ParseFailure
from papers.importers.sources import from_bytes, from_path

ATOM_NS = 'xmlns="http://www.w3.org/2005/Atom"'
ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'


def xml(text: str, name: str = "api.xml"):
    return from_bytes(name, text.encode("utf-8"))


def feed(*entries: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feed {ATOM_NS} {ARXIV_NS}>\n'
        "  <title type=\"html\">ArXiv Query: id_list=x</title>\n  <id>http://arxiv.org/api/x</id>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def atom_entry(arxiv_id: str = "2402.19474v1", title: str = "A Title", extra: str = "") -> str:
    return (
        f"  <entry>\n    <id>http://arxiv.org/abs/{arxiv_id}</id>\n"
        "    <updated>2024-03-01T10:00:00Z</updated>\n    <published>2024-02-29T18:59:17Z</published>\n"
        f"    <title>{title}</title>\n    <summary>  An abstract.\n</summary>\n"
        f"    <author><name>Ann Author</name></author>\n{extra}  </entry>\n"
    )


def parse(file) -> tuple[list[PaperRecord], list[ParseFailure]]:
    results = list(arxiv_atom.parse(file))
    papers = [r for r in results if isinstance(r, PaperRecord)]
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert len(papers) + len(failures) == len(results)
    return papers, failures


@pytest.fixture
def response(data_dir):
    return data_dir / "arxiv_api_response.xml"


@pytest.fixture
def recorded(response):
    papers, failures = parse(from_path(response))
    assert failures == []
    return {p.arxiv_id: p for p in papers}, papers


def test_recorded_response_gives_three_papers_in_order(recorded):
    _, papers = recorded
    assert [(p.arxiv_id, p.version) for p in papers] == [("2402.19474", 1), ("2402.19465", 2), ("2402.19446", 1)]
    assert [p.line for p in papers] == [10, 80, 139]
    assert all(p.source.endswith("arxiv_api_response.xml") for p in papers)


def test_titles_are_collapsed(recorded):
    by_id, _ = recorded
    assert by_id["2402.19474"].title == "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    assert by_id["2402.19465"].title == (
        "Towards Tracing Trustworthiness Dynamics: Revisiting Pre-training Period of Large Language Models"
    )
    assert by_id["2402.19446"].title == "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn RL"
    assert all("\n" not in p.title and "  " not in p.title for p in by_id.values())


def test_abstract_is_collapsed_and_complete(recorded):
    by_id, _ = recorded
    abstract = by_id["2402.19474"].abstract
    assert abstract.startswith("We present the All-Seeing Project V2: a new model")
    assert "52.04" in abstract and "43.14" in abstract
    assert abstract.endswith("Our project is released at https://github.com/OpenGVLab/all-seeing.")
    assert "\n" not in abstract
    assert by_id["2402.19474"].code_url == "https://github.com/OpenGVLab/all-seeing"
    assert by_id["2402.19446"].abstract.endswith("(upto the 7 billion scale that we tested on).")
    assert by_id["2402.19446"].code_url == ""


def test_authors_in_order(recorded):
    by_id, _ = recorded
    assert by_id["2402.19474"].authors == [
        "Weiyun Wang", "Yiming Ren", "Haowen Luo", "Tiantong Li", "Chenxiang Yan", "Zhe Chen",
        "Wenhai Wang", "Qingyun Li", "Lewei Lu", "Xizhou Zhu", "Yu Qiao", "Jifeng Dai",
    ]  # the affiliation of the first author is not glued to the name
    assert by_id["2402.19446"].authors == ["Yifei Zhou", "Andrea Zanette", "Jiayi Pan", "Sergey Levine", "Aviral Kumar"]


def test_categories_primary_first(recorded):
    by_id, _ = recorded
    assert by_id["2402.19474"].categories == ["cs.CV", "cs.AI", "cs.CL"]
    assert by_id["2402.19465"].categories == ["cs.CL", "cs.AI"]
    assert by_id["2402.19446"].categories == ["cs.LG", "cs.AI", "cs.CL"]


def test_dates(recorded):
    by_id, _ = recorded
    assert by_id["2402.19474"].published == by_id["2402.19474"].updated == dt.date(2024, 2, 29)
    assert by_id["2402.19465"].published == dt.date(2024, 2, 29)
    assert by_id["2402.19465"].updated == dt.date(2024, 6, 4)


def test_comments_journal_ref_and_doi(recorded):
    by_id, _ = recorded
    assert by_id["2402.19474"].comments == "Technical Report"
    assert by_id["2402.19465"].comments == "Accepted by ACL 2024 (Findings), 17 pages, 9 figures"
    assert by_id["2402.19446"].comments == ""
    assert by_id["2402.19465"].journal_ref == "Findings of the Association for Computational Linguistics: ACL 2024"
    assert by_id["2402.19465"].doi == "10.18653/v1/2024.findings-acl.290"
    assert (by_id["2402.19474"].journal_ref, by_id["2402.19474"].doi) == ("", "")


def test_raw_keeps_the_entry_xml(recorded):
    by_id, _ = recorded
    raw = by_id["2402.19446"].raw
    assert "<id>http://arxiv.org/abs/2402.19446v1</id>" in raw
    assert "2402.19474" not in raw


def test_primary_category_is_moved_first():
    extra = (
        '    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>\n'
        '    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>\n'
        '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>\n'
    )
    papers, _ = parse(xml(feed(atom_entry(extra=extra))))
    assert papers[0].categories == ["cs.LG", "cs.AI"]


def test_id_without_version():
    papers, _ = parse(xml(feed(atom_entry("2402.19474"))))
    assert (papers[0].arxiv_id, papers[0].version) == ("2402.19474", None)


def test_old_style_id():
    papers, _ = parse(xml(feed(atom_entry("hep-th/9901001v2"))))
    assert (papers[0].arxiv_id, papers[0].version) == ("hep-th/9901001", 2)


def test_empty_result_feed():
    text = feed().replace(
        "</feed>",
        '  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:totalResults>\n</feed>',
    )
    assert list(arxiv_atom.parse(xml(text))) == []


# --- failures -------------------------------------------------------------------

API_ERROR = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed {ATOM_NS}>
  <link href="http://arxiv.org/api/query?search_query%3D%26id_list%3D1234%26start%3D0%26max_results%3D10" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=&amp;id_list=1234&amp;start=0&amp;max_results=10</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2024-03-01T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>
    <title>Error</title>
    <summary>incorrect id format for 1234</summary>
    <updated>2024-03-01T00:00:00-05:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""


def test_api_error_feed():
    papers, failures = parse(xml(API_ERROR))
    assert papers == []
    assert len(failures) == 1
    failure = failures[0]
    assert failure.line == 10
    assert failure.reason == "arXiv API error: incorrect id format for 1234"


def test_entry_with_a_non_arxiv_id_fails_alone():
    bad = atom_entry().replace("http://arxiv.org/abs/2402.19474v1", "urn:uuid:1234")
    papers, failures = parse(xml(feed(bad, atom_entry("2402.19446v1"))))
    assert [p.arxiv_id for p in papers] == ["2402.19446"]
    assert len(failures) == 1 and "not an arXiv abs URL" in failures[0].reason


def test_entry_without_title_fails_alone():
    papers, failures = parse(xml(feed(atom_entry(title=""), atom_entry("2402.19446v1"))))
    assert [p.arxiv_id for p in papers] == ["2402.19446"]
    assert len(failures) == 1
    assert failures[0].arxiv_id == "2402.19474" and "no title" in failures[0].reason


def test_duplicate_entry():
    papers, failures = parse(xml(feed(atom_entry(), atom_entry("2402.19474v2", title="Again"))))
    assert [p.title for p in papers] == ["A Title"]
    assert len(failures) == 1 and "duplicate" in failures[0].reason and failures[0].arxiv_id == "2402.19474"


def test_truncated_response_keeps_the_entries_before_the_cut(response):
    lines = response.read_bytes().split(b"\n")
    truncated = b"\n".join(lines[:150])  # inside the third entry's summary
    papers, failures = parse(from_bytes("cut.xml", truncated))
    assert [p.arxiv_id for p in papers] == ["2402.19474", "2402.19465"]
    assert len(failures) == 1
    assert "malformed or cut short" in failures[0].reason
    assert failures[0].line == 150  # the last line there is, inside the third entry (line 139 on)


def test_not_xml_at_all():
    papers, failures = parse(xml("this is not <xml"))
    assert papers == []
    assert len(failures) == 1 and "malformed or cut short" in failures[0].reason


BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2402.19474v1</id>
    <title>Laughs &lol9;</title>
    <summary>&lol9;&lol9;&lol9;</summary>
    <author><name>&lol9;</name></author>
  </entry>
</feed>
"""


def test_entity_expansion_attack_does_not_expand():
    started = time.monotonic()
    results = list(arxiv_atom.parse(xml(BILLION_LAUGHS)))
    assert time.monotonic() - started < 5
    assert len(results) == 1 and isinstance(results[0], ParseFailure)  # refused whole, nothing expanded
    failure = results[0]
    assert (failure.source, failure.line, failure.arxiv_id) == ("api.xml", 1, "")
    assert failure.reason.startswith("XML is malformed or cut short: ") and "entity amplification" in failure.reason
    assert "lollol" not in failure.reason and len(failure.reason) < 1_000


def test_external_entity_is_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        + feed(atom_entry(title="Leak &xxe;")).split("\n", 1)[1]
    )
    papers, failures = parse(xml(text))
    assert failures == []
    assert [(p.arxiv_id, p.title) for p in papers] == [("2402.19474", "Leak")]  # the entity is left out
    assert "TOP-SECRET-CONTENT" not in repr(papers[0])


def test_large_feed_broken_in_the_middle_keeps_everything_before():
    entries = [atom_entry(f"2402.{10000 + i}v1", title=f"Paper {i}") for i in range(400)]  # > 100 kB
    text = feed(*entries).replace("<title>Paper 300</title>", "<title>Paper 300</titel>")
    papers, failures = parse(xml(text))
    assert [p.title for p in papers] == [f"Paper {i}" for i in range(300)]
    assert len(failures) == 1
    assert "malformed or cut short" in failures[0].reason and "mismatch" in failures[0].reason
    assert failures[0].line == text[: text.index("</titel>")].count("\n") + 1


def test_published_times_are_what_paging_needs(response):
    times = arxiv_atom.published_times(response.read_bytes())
    assert len(times) == 3 and times == sorted(times, reverse=True)  # the API answers newest first
    assert all(t.tzinfo is not None for t in times)
    body = feed(atom_entry("2402.00001v1"), atom_entry("2402.00002v1").replace("2024-02-29T18:59:17Z", "garbled"))
    assert arxiv_atom.published_times(body.encode()) == [dt.datetime(2024, 2, 29, 18, 59, 17, tzinfo=dt.UTC)]
    assert arxiv_atom.published_times(feed().encode()) == []
    assert arxiv_atom.published_times(b"<feed><entry>cut sh") == []  # unreadable: paging stops, the import reports it
