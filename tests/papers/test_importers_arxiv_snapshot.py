"""papers.importers.arxiv_snapshot: Kaggle arxiv-metadata-oai-snapshot JSON Lines, pure parsing.

tests/data/arxiv_snapshot_sample.jsonl has five lines in the snapshot's schema:
0704.0001 (the snapshot's real first line), an old-style hep-th id (made up),
and three papers of seed 000 with shortened abstracts and plausible versions.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from papers.importers import arxiv_snapshot, paperdesk_export
from papers.importers.records import PaperRecord, ParseFailure
from papers.importers.sources import InputError, from_bytes, from_path

from .helpers import gzip_cut_short


def jsonl(*lines: str | dict, name: str = "snapshot.jsonl"):
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    return from_bytes(name, text.encode("utf-8"))


def parse(file) -> tuple[list[PaperRecord], list[ParseFailure]]:
    results = list(arxiv_snapshot.parse(file))
    papers = [r for r in results if isinstance(r, PaperRecord)]
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert len(papers) + len(failures) == len(results)
    return papers, failures


@pytest.fixture
def sample_path(data_dir):
    return data_dir / "arxiv_snapshot_sample.jsonl"


@pytest.fixture
def sample_lines(sample_path) -> list[str]:
    return sample_path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def sample(sample_path):
    papers, failures = parse(from_path(sample_path))
    assert failures == []
    return {p.arxiv_id: p for p in papers}, papers


def test_sample_gives_five_papers_in_order(sample):
    _, papers = sample
    assert [p.arxiv_id for p in papers] == ["0704.0001", "hep-th/9901001", "2402.19474", "2402.19446", "2402.19465"]
    assert [p.line for p in papers] == [1, 2, 3, 4, 5]


def test_first_snapshot_line(sample):
    by_id, _ = sample
    p = by_id["0704.0001"]
    assert p.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert p.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert p.version == 2
    assert p.published == dt.date(2007, 4, 2)  # the first version's date
    assert p.updated == dt.date(2008, 11, 13)  # update_date
    assert p.categories == ["hep-ph"]
    assert p.comments == "37 pages, 15 figures; published version"
    assert p.journal_ref == "Phys.Rev.D76:013009,2007"
    assert p.doi == "10.1103/PhysRevD.76.013009"
    assert p.license == ""
    assert p.abstract.startswith("A fully differential calculation in perturbative quantum chromodynamics is presented")
    assert "\n" not in p.abstract and p.abstract.endswith("selection of events.")


def test_old_style_id_and_name_suffix(sample):
    by_id, _ = sample
    p = by_id["hep-th/9901001"]
    assert p.version == 1
    assert p.authors == ["A. Example", "R. Sample Jr."]
    assert p.categories == ["hep-th", "math-ph", "math.MP"]
    assert p.published == dt.date(1999, 1, 1)
    assert p.title == "Boundary states and duality in a toy string model"


def test_three_versions(sample):
    by_id, _ = sample
    p = by_id["2402.19446"]
    assert p.version == 3
    assert p.published == dt.date(2024, 2, 29)
    assert p.updated == dt.date(2024, 6, 3)
    assert p.authors == ["Yifei Zhou", "Andrea Zanette", "Jiayi Pan", "Sergey Levine", "Aviral Kumar"]
    assert p.comments == "" and p.journal_ref == "" and p.doi == ""
    assert p.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_seed_paper(sample):
    by_id, _ = sample
    p = by_id["2402.19474"]
    assert p.title == "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    assert p.authors[0] == "Weiyun Wang" and p.authors[-1] == "Jifeng Dai" and len(p.authors) == 12
    assert p.categories == ["cs.CV", "cs.AI", "cs.CL"]
    assert (p.version, p.published, p.updated) == (1, dt.date(2024, 2, 29), dt.date(2024, 3, 1))
    assert p.code_url == "https://github.com/OpenGVLab/all-seeing"
    assert by_id["2402.19465"].code_url == "https://github.com/ChnQ/TracingLLM"


def test_gzipped_sample_parses_identically(sample_path):
    data = sample_path.read_bytes()
    plain = list(arxiv_snapshot.parse(from_bytes("snapshot.jsonl", data)))
    zipped = list(arxiv_snapshot.parse(from_bytes("snapshot.jsonl", gzip.compress(data))))
    assert len(plain) == 5
    assert zipped == plain


def test_truncated_gzip_raises_after_the_lines_it_could_read(sample_path):
    data = gzip_cut_short(sample_path.read_bytes().splitlines(keepends=True), 4)  # the fifth line is cut
    parsed = []
    with pytest.raises(InputError, match="truncated or corrupt") as error:
        for record in arxiv_snapshot.parse(from_bytes("snapshot.jsonl.gz", data)):
            parsed.append(record)  # noqa: PERF402 - a loop, to keep what came before the error
    # What could be decompressed before the cut was parsed, in order.
    assert [(type(r), r.arxiv_id) for r in parsed] == [
        (PaperRecord, "0704.0001"), (PaperRecord, "hep-th/9901001"), (PaperRecord, "2402.19474"),
        (PaperRecord, "2402.19446")]
    assert (error.value.source, error.value.line) == ("snapshot.jsonl.gz", 5)


def test_authors_without_authors_parsed():
    papers, _ = parse(jsonl({"id": "2402.00001", "title": "T", "authors": "A. One, B. Two and C. Three"}))
    assert papers[0].authors == ["A. One", "B. Two", "C. Three"]
    assert papers[0].version is None and papers[0].published is None


def test_blank_lines_are_skipped(sample_lines):
    papers, failures = parse(jsonl(sample_lines[0], "", "   ", "\u3000\t", sample_lines[1]))
    assert failures == []
    assert [p.line for p in papers] == [1, 5]


def test_byte_order_mark_and_windows_line_ends(sample_lines):
    data = b"\xef\xbb\xbf" + "\r\n".join(sample_lines[:3]).encode() + b"\r\n"
    papers, failures = parse(from_bytes("snapshot.jsonl", data))
    assert failures == []
    assert [(p.line, p.arxiv_id) for p in papers] == [(1, "0704.0001"), (2, "hep-th/9901001"), (3, "2402.19474")]


# --- bad lines fail alone ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad, reason",
    [
        ('{"id": "2402.00001", "title": "Cut', "malformed JSON"),
        ("{'id': '2402.00001'}", "malformed JSON"),
        ('{"id": "2402.00001", "abstract": "no title"}', "missing title"),
        ('{"id": "2402.00001", "title": ""}', "missing title"),
        ('{"title": "No id"}', "missing id"),
        ('[1, 2, 3]', "not an object"),
        ('"just a string"', "not an object"),
        ('{"id": "not-an-id", "title": "Bad id"}', "is not an arXiv id"),
        ('{"id": "2402.19474v", "title": "Dangling v"}', "is not an arXiv id"),
        ('{"id": "arXiv:2402.19474", "title": "Prefixed"}', "is not an arXiv id"),
    ],
)
def test_bad_line_fails_alone(sample_lines, bad, reason):
    papers, failures = parse(jsonl(sample_lines[0], bad, sample_lines[2]))
    assert [p.arxiv_id for p in papers] == ["0704.0001", "2402.19474"]
    assert len(failures) == 1
    assert failures[0].line == 2
    assert reason in failures[0].reason
    assert str(failures[0]).startswith("snapshot.jsonl:2: ")


def test_malformed_json_names_line_and_column(sample_lines):
    _, failures = parse(jsonl(*sample_lines[:3], '{"id": "2402.00001",, "title": "x"}', *sample_lines[3:]))
    assert failures[0].line == 4
    assert failures[0].reason.startswith("malformed JSON:") and "column 21" in failures[0].reason


def test_duplicate_id(sample_lines):
    papers, failures = parse(jsonl(*sample_lines, sample_lines[2]))
    assert len(papers) == 5
    assert len(failures) == 1
    assert failures[0].line == 6 and failures[0].arxiv_id == "2402.19474"
    assert "duplicate" in failures[0].reason and "line 3" in failures[0].reason


def test_invalid_utf8_line(sample_lines):
    data = ("\n".join(sample_lines[:2]) + "\n").encode() + b'{"id": "2402.00001", "title": "\xff\xfe"}\n'
    data += (sample_lines[2] + "\n").encode()
    papers, failures = parse(from_bytes("snapshot.jsonl", data))
    assert [p.line for p in papers] == [1, 2, 4]
    assert len(failures) == 1 and failures[0].line == 3 and "invalid UTF-8" in failures[0].reason


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", ["a", "list"]),
        ("abstract", 42),
        ("categories", ["cs.CL", "cs.AI"]),
        ("doi", 10),
        ("authors_parsed", [["Zhou", None, ""], [1, 2]]),
        ("versions", [{"version": 1, "created": "Thu, 29 Feb 2024 18:45:56 GMT"}]),
    ],
)
def test_wrong_field_type_fails_alone(sample_lines, field, value):
    item = {"id": "2402.00001", "title": "Wrong types", "versions": [], field: value}
    papers, failures = parse(jsonl(sample_lines[0], item, sample_lines[2]))
    assert [p.arxiv_id for p in papers] == ["0704.0001", "2402.19474"]
    assert len(failures) == 1 and failures[0].line == 2


def test_four_digit_number_after_2015_is_not_an_arxiv_id(sample_lines):
    papers, failures = parse(jsonl(sample_lines[0], '{"id": "2402.1947", "title": "Truncated id"}'))
    assert [p.arxiv_id for p in papers] == ["0704.0001"]
    assert len(failures) == 1 and "is not an arXiv id" in failures[0].reason


@pytest.mark.parametrize("text", [
    "  Large Language\n  Models  for Agents\n", "tab\tand\u00a0no-break\u3000ideographic\u2028line",
    "plain words", "", " \n ", "form\x0cfeed\x1cseparator\x85next", "ascii\x1dgroup\x1funit\rreturn\x0bvertical",
])
def test_white_space_is_folded_the_same_on_the_fast_path(text):
    from papers.importers.text import collapse

    assert collapse(text) == " ".join(text.split())


@pytest.mark.parametrize("parts, name", [
    (["Wang", "Weiyun", ""], "Weiyun Wang"), (["Wang", "Weiyun", "Jr"], "Weiyun Wang Jr"), ([" Wang", "Weiyun ", ""],
    "Weiyun Wang"), (["Wang", "", ""], "Wang"), (["", "Weiyun", ""], "Weiyun"), (["Wang"], "Wang"),
    (["Wang", "Weiyun"], "Weiyun Wang"), (["Wang", "Weiyun", None], "Weiyun Wang"), (["Wang", "Weiyun", " "], "Weiyun Wang"),
])
def test_authors_parsed_parts_make_one_name(parts, name):
    assert arxiv_snapshot._authors({"authors_parsed": [parts]}) == [name]


def test_records_cross_processes_whole():
    import pickle

    record = PaperRecord(arxiv_id="2402.19474", version=2, title="The All-Seeing Project V2", authors=["Weiyun Wang"],
                         published=dt.date(2024, 2, 29), warnings=["a warning"])
    assert pickle.loads(pickle.dumps(record)) == record


def test_a_record_found_plain_at_once_is_what_the_field_by_field_pass_leaves():
    """with_plain_text looks at a record's whole text once and skips the fields' pass when nothing would change."""
    import copy
    import random

    from papers.importers import records

    rng = random.Random(3)
    alphabet = ["a", "b", " ", "é", "<b>", "&amp;", "\x00", "\t", "\\", "\x85"]

    def text(most: int = 4) -> str:
        return "".join(rng.choices(alphabet, weights=[20, 20, 10, 5, 1, 1, 1, 1, 1, 1], k=rng.randint(0, most)))

    shortcuts = 0
    for _ in range(3000):
        record = PaperRecord(arxiv_id="2402.19474", title=text(), abstract=text(8), comments=text(2),
                             authors=[text() for _ in range(rng.randint(0, 3))], categories=[text(2)],
                             figures=rng.choice([[], [text()], [{"url": "u", "caption": text()}]]))
        by_field = copy.deepcopy(record)
        records._plain_fields(by_field, records.PAPER_PLAIN_FIELDS, records.PAPER_PLAIN_LISTS)
        shortcuts += records.is_plain(records._paper_text(record))
        assert records.with_plain_text(record) == by_field
    assert 200 < shortcuts < 2800  # the shortcut was taken, and not always


@pytest.mark.parametrize("bad, reason", [
    (b'{"id": "2402.00001", "title": "\xed\xa0\x80"}', "invalid UTF-8"),  # a surrogate, encoded
    (b'\xef\xbb\xbf{"id": "2402.00001", "title": "BOM mid-file"}', "malformed JSON"),  # only line 1 may have one
    (b'{\x00}\x00', "malformed JSON"),  # NUL bytes (the standard library's json reads this as UTF-16)
])
@pytest.mark.parametrize("module", [arxiv_snapshot, paperdesk_export])
def test_each_json_lines_format_refuses_bytes_that_are_not_a_utf8_json_line(sample_lines, module, bad, reason):
    data = (sample_lines[0] + "\n").encode() + bad + b"\n" + (sample_lines[2] + "\n").encode()
    failures = [item for item in module.parse(from_bytes("lines.jsonl", data)) if isinstance(item, ParseFailure)]
    assert [(f.line, reason in f.reason) for f in failures if f.line == 2] == [(2, True)]
