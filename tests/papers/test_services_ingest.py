"""The ingest service on PostgreSQL: upserts, versions, editor text, digests."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from papers.importers.sources import from_bytes
from papers.models import Author, Authorship, Digest, DigestEntry, Generation, Paper, Status, Summary
from papers.services.ingest import IngestOptions, import_sources

from tests.factories import AuthorFactory, PaperFactory, SnapshotItemFactory

from .helpers import gzip_cut_short

pytestmark = pytest.mark.django_db

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2402.19474v{version}</id>
    <updated>2024-03-0{version}T17:59:58Z</updated>
    <published>2024-02-29T18:59:17Z</published>
    <title>{title}</title>
    <summary>We present the All-Seeing Project V2.</summary>
    <author><name>Weiyun Wang</name></author>
    <author><name>{second_author}</name></author>
    <arxiv:comment>Technical Report</arxiv:comment>
    <arxiv:primary_category term="cs.CV"/>
    <category term="cs.CV"/><category term="cs.AI"/>
  </entry>
</feed>
"""


def atom(tmp_path, version: int, title: str, second_author: str = "Yiming Ren"):
    path = tmp_path / f"v{version}.xml"
    path.write_text(ATOM.format(version=version, title=title, second_author=second_author), encoding="utf-8")
    return str(path)


@pytest.fixture(params=["in this process", "in a parsing process"])
def parsing(request, monkeypatch):
    """Both ways a file is read: in-process, authors by name; in a parsing process, new papers' authors as numbers."""
    from papers.importers import reader

    if request.param == "in a parsing process":
        monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)
    return request.param


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Paper, Summary, Generation, Digest, DigestEntry, Author, Authorship)
    }


def test_seeds_import_as_two_digests(seed_digest, seed_hexo):
    batch = import_sources([str(seed_digest), str(seed_hexo)])
    assert (batch.created, batch.failed) == (42, 0)
    digest = Digest.objects.get(date="2024-02-29")
    assert digest.topic is None and digest.entries.count() == 28 and digest.status == Status.DRAFT
    hexo = Digest.objects.get(date="2024-01-24")
    assert hexo.topic.slug == "llm" and hexo.entries.count() == 14
    topics = Counter(Paper.objects.filter(digests=digest).values_list("topic__name_zh", flat=True))
    assert topics == {"LLM应用": 16, "Agent": 8, "LLM理论": 3, "RAG": 1}
    assert set(Summary.objects.values_list("status", flat=True)) == {Status.DRAFT}
    first = DigestEntry.objects.get(digest=digest, position=1).paper
    assert first.arxiv_id == "2402.19474" and first.summary.headline_zh.startswith("《全知计划V2》")
    paper = Paper.objects.get(arxiv_id="2401.12215")
    assert [a.name for a in paper.ordered_authors()] == ["Chenyu Lian", "Hong-Yu Zhou", "Yizhou Yu", "Liansheng Wang"]
    assert list(paper.tags.names()) == ["LLM"]


def test_publish_marks_entries_and_digests_published(seed_digest):
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    assert set(Summary.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert Digest.objects.get().status == Status.PUBLISHED


def test_running_the_same_import_twice_changes_nothing(seed_digest, seed_hexo):
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    before = counts()
    snapshot = list(Summary.objects.order_by("pk").values())
    again = import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 42, 0)
    assert counts() == before
    assert list(Summary.objects.order_by("pk").values()) == snapshot


def test_newer_version_updates_and_older_never_downgrades(tmp_path):
    import_sources([atom(tmp_path, 1, "Old title")])
    newer = import_sources([atom(tmp_path, 2, "New\n   title", second_author="Haowen Luo")])
    paper = Paper.objects.get()
    assert newer.updated == 1
    assert (paper.version, paper.title) == (2, "New title")
    assert [a.name for a in paper.ordered_authors()] == ["Weiyun Wang", "Haowen Luo"]
    older = import_sources([atom(tmp_path, 1, "Old title")])
    paper.refresh_from_db()
    assert (older.unchanged, paper.version, paper.title) == (1, 2, "New title")
    assert [a.name for a in paper.ordered_authors()] == ["Weiyun Wang", "Haowen Luo"]


def test_unversioned_digest_only_fills_what_arxiv_left_empty(tmp_path, seed_digest):
    import_sources([atom(tmp_path, 1, "The arXiv title")])
    import_sources([str(seed_digest)])
    paper = Paper.objects.get(arxiv_id="2402.19474")
    assert paper.title == "The arXiv title"  # the digest's copy does not overwrite arXiv's
    assert paper.summary.headline_zh.startswith("《全知计划V2》")  # but its Chinese text lands
    assert paper.primary_category == "cs.CV"


def test_same_paper_in_two_digests_is_one_paper(tmp_path, seed_digest):
    entry = seed_digest.read_text(encoding="utf-8").split("#### [为探究")[0]  # the first entry only
    other_day = entry.replace("2024年02月29日", "2024年03月01日")
    path = tmp_path / "next_day.md"
    path.write_text(other_day, encoding="utf-8")
    import_sources([str(seed_digest), str(path)])
    paper = Paper.objects.get(arxiv_id="2402.19474")
    assert sorted(str(d.date) for d in paper.digests.all()) == ["2024-02-29", "2024-03-01"]
    assert Paper.objects.filter(arxiv_id="2402.19474").count() == 1


def test_import_never_overwrites_text_an_editor_changed(tmp_path, seed_digest):
    import_sources([str(seed_digest)])
    summary = Summary.objects.get(paper__arxiv_id="2402.19474")
    summary.headline_zh = "全知计划V2：开放世界的通用关系理解（编辑改）"
    summary.save()
    machine_before = summary.generation.output["headline_zh"]

    changed = seed_digest.read_text(encoding="utf-8")
    changed = changed.replace("《全知计划V2》：旨在攻克", "《全知计划V2》新版：旨在攻克")
    changed = changed.replace("现在呈献给大家的是全新升级的", "这里介绍全新升级的")
    path = tmp_path / "000_revised.txt"
    path.write_text(changed, encoding="utf-8")
    batch = import_sources([str(path)])

    summary.refresh_from_db()
    assert batch.updated == 1
    assert summary.headline_zh == "全知计划V2：开放世界的通用关系理解（编辑改）"  # the editor's text stays
    assert summary.abstract_zh.startswith("这里介绍全新升级的")  # untouched field takes the new text
    assert summary.generation.output["headline_zh"].startswith("《全知计划V2》新版")  # new machine text kept beside
    assert Generation.objects.filter(summary=summary).count() == 2
    assert machine_before != summary.generation.output["headline_zh"]
    assert summary.edited_fields() == {"headline_zh"}


def test_record_rejected_by_database_leaves_nothing_half_saved(tmp_path, parsing):
    good, bad, also_good = SnapshotItemFactory.create_batch(3)
    bad["authors_parsed"] = [["X" * 400, "Jane", ""]]  # Author.name holds 300 characters
    batch = import_sources([_snapshot_file(tmp_path / "snap.jsonl", [good, bad, also_good])])
    assert (batch.created, batch.failed) == (2, 1)
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == sorted([good["id"], also_good["id"]])
    error = batch.errors.get(level="error")
    assert (error.line, error.arxiv_id) == (2, bad["id"]) and "database rejected" in error.reason
    assert not Authorship.objects.filter(paper__arxiv_id=bad["id"]).exists()
    assert Authorship.objects.count() == 4  # two authors each for the two that landed


def test_dry_run_writes_nothing_but_reports(seed_digest):
    batch = import_sources([str(seed_digest)], options=IngestOptions(dry_run=True))
    assert batch.dry_run and batch.created == 28
    assert Paper.objects.count() == 0 and Digest.objects.count() == 0


def test_topic_override(seed_digest):
    import_sources([str(seed_digest)], options=IngestOptions(topic="rag"))
    assert set(Paper.objects.values_list("topic__slug", flat=True)) == {"rag"}


def test_hexo_html_is_sanitized_before_it_is_stored(tmp_path, seed_hexo):
    text = seed_hexo.read_text(encoding="utf-8").replace(
        "<li><p>题目：少即是多：参数高效微调</p>",
        '<li onclick="steal()"><p>题目：少即是多：参数高效微调<script>alert(1)</script><img src=x onerror=alert(2)></p>',
    ).replace("- PEFT 是利用", "- <script>alert(3)</script>**PEFT** 是利用")
    path = tmp_path / "post.md"
    path.write_text(text, encoding="utf-8")
    import_sources([str(path)])
    summary = Summary.objects.get(paper__arxiv_id="2401.12215")
    for html in (summary.structured_html, summary.key_points_html):
        assert "<script" not in html and "onclick" not in html and "onerror" not in html
    assert "<strong>PEFT</strong>" in summary.key_points_html
    assert summary.title_zh.startswith("少即是多")


def test_stdin_style_bytes_and_gzip_are_read(tmp_path, seed_digest):
    import gzip

    data = gzip.compress(seed_digest.read_bytes())
    batch = import_sources([from_bytes("-", data)])  # what standard input becomes
    assert (batch.created, batch.source) == (28, "-")
    assert [(f["file"], f["format"], f["created"]) for f in batch.files] == [("-", "digest-md", 28)]
    path = tmp_path / "digest.txt.gz"
    path.write_bytes(data)
    batch = import_sources([str(path)])
    assert [(f["file"], f["format"], f["unchanged"]) for f in batch.files] == [(str(path), "digest-md", 28)]


def test_a_large_file_is_parsed_in_a_child_and_lands_the_same(tmp_path, monkeypatch):
    from bench.import_snapshot import snapshot_records
    from papers.importers import reader

    items = list(snapshot_records(300, seed=3))
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)
    batch = import_sources([str(path)])
    assert (batch.created, batch.failed) == (300, 0)
    paper = Paper.objects.get(arxiv_id=items[-1]["id"])
    expected = [f"{first} {last}".strip() for last, first, _ in items[-1]["authors_parsed"]]
    assert [author.name for author in paper.ordered_authors()] == expected
    assert import_sources([str(path)]).unchanged == 300


def test_authorships_must_refer_to_stored_papers_and_authors():
    """The table has no foreign-key constraints in the database; the bulk insert checks instead."""
    from django.db import IntegrityError, transaction

    from papers.services import bulk

    paper = PaperFactory(authors=[])
    author = AuthorFactory(name="Weiyun Wang")
    with pytest.raises(IntegrityError, match="0 missing papers and 1 missing authors"), transaction.atomic():
        bulk.insert_authorships([(paper.pk, [author.pk, author.pk + 1000])])
    with pytest.raises(IntegrityError, match="1 missing papers and 0 missing authors"), transaction.atomic():
        bulk.insert_authorships([(paper.pk + 1000, [author.pk])])
    assert not Authorship.objects.exists()
    bulk.insert_authorships([(paper.pk, [author.pk])])
    assert [a.name for a in paper.ordered_authors()] == ["Weiyun Wang"]


def test_deleting_a_paper_or_an_author_still_deletes_their_authorships(tmp_path):
    import_sources([atom(tmp_path, 1, "The All-Seeing Project V2")])
    assert Authorship.objects.count() == 2
    Author.objects.get(name="Yiming Ren").delete()
    assert Authorship.objects.count() == 1
    Paper.objects.get().delete()
    assert not Authorship.objects.exists()


def test_an_import_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    import_sources([atom(tmp_path, 1, "The All-Seeing Project V2")])
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
    gc.freeze()  # a process that froze objects itself, as gunicorn's does before forking
    try:
        frozen = gc.get_freeze_count()
        import_sources([atom(tmp_path, 2, "The All-Seeing Project V2")])
        assert gc.get_freeze_count() > frozen * 0.9  # still frozen (less what was freed meanwhile)
    finally:
        gc.unfreeze()


def test_an_author_listed_twice_in_a_paper_is_linked_once(tmp_path):
    path = tmp_path / "twice.xml"
    path.write_text(ATOM.format(version=1, title="The All-Seeing Project V2", second_author="Weiyun  Wang"),
                    encoding="utf-8")
    import_sources([str(path)])
    assert [(a.position, a.author.name) for a in Authorship.objects.select_related("author")] == [(0, "Weiyun Wang")]


def test_one_person_spelt_two_ways_is_one_author(tmp_path, parsing):
    """Names are one person when their slugs are: linked once per paper, stored under the spelling first seen."""
    items = [SnapshotItemFactory(id="2402.19470", authors_parsed=[["wang", "weiyun", ""], ["Ren", "Yiming", ""],
                                                                   ["Wang", "Weiyun", ""]]),
             SnapshotItemFactory(id="2402.19471", authors_parsed=[["WANG", "WEIYUN", ""], ["Ren", "Yiming", ""]])]
    batch = import_sources([_snapshot_file(tmp_path / "snapshot.jsonl", items)], options=IngestOptions(batch_size=1))
    assert (batch.created, batch.failed) == (2, 0)
    assert sorted(Author.objects.values_list("slug", "name")) == [("weiyun-wang", "weiyun wang"),
                                                                  ("yiming-ren", "Yiming Ren")]
    authors = {p.arxiv_id: [a.slug for a in p.ordered_authors()] for p in Paper.objects.all()}
    assert authors == {"2402.19470": ["weiyun-wang", "yiming-ren"], "2402.19471": ["weiyun-wang", "yiming-ren"]}


def test_the_author_cache_is_bounded_and_refills_from_the_database(tmp_path, monkeypatch):
    """Across batches, author ids come from a cache; when it is full it starts again from the database."""
    from papers.services.ingest import paper_upsert

    monkeypatch.setattr(paper_upsert, "AUTHOR_CACHE_SIZE", 1)
    same_people = [["Wang", "Weiyun", ""], ["Ren", "Yiming", ""]]
    items = [SnapshotItemFactory(id=f"2402.1947{n}", authors_parsed=same_people[n % 2:] + same_people) for n in range(4)]
    batch = import_sources([_snapshot_file(tmp_path / "snapshot.jsonl", items)], options=IngestOptions(batch_size=1))
    assert (batch.created, batch.failed) == (4, 0)
    assert Author.objects.count() == 2
    assert [a.name for a in Paper.objects.get(arxiv_id="2402.19471").ordered_authors()] == ["Yiming Ren", "Weiyun Wang"]


def test_an_author_deleted_between_batches_is_stored_again_not_referred_to(tmp_path, parsing):
    """Author ids kept from an earlier batch are looked up again once an author was deleted meanwhile."""
    same_people = [["Wang", "Weiyun", ""], ["Ren", "Yiming", ""]]
    items = [SnapshotItemFactory(id=f"2402.1947{n}", authors_parsed=same_people[n % 2:] + same_people) for n in range(4)]
    deleted = []

    def delete_an_author_once(file, count):
        if not deleted:
            deleted.append(Author.objects.filter(slug="yiming-ren").delete())

    batch = import_sources([_snapshot_file(tmp_path / "snapshot.jsonl", items)], options=IngestOptions(batch_size=1),
                           progress=delete_an_author_once)
    assert (batch.created, batch.failed) == (4, 0)
    assert Author.objects.count() == 2
    assert not Authorship.objects.exclude(author_id__in=Author.objects.values("pk")).exists()
    authors = {p.arxiv_id: [a.name for a in p.ordered_authors()] for p in Paper.objects.all()}
    assert authors == {"2402.19470": ["Weiyun Wang"],  # its Yiming Ren went with the deleted author
                       "2402.19471": ["Yiming Ren", "Weiyun Wang"], "2402.19472": ["Weiyun Wang", "Yiming Ren"],
                       "2402.19473": ["Yiming Ren", "Weiyun Wang"]}


def test_authors_sent_as_numbers_land_as_authors_sent_by_name(tmp_path, monkeypatch):
    """Batches that span a restarted numbering, in a parsing process, link the same people as an in-process import."""
    from bench.import_snapshot import snapshot_records
    from papers.importers import author_numbers, reader

    path = _snapshot_file(tmp_path / "snapshot.jsonl", list(snapshot_records(700, seed=5)))

    def imported() -> list[tuple]:
        batch = import_sources([path], options=IngestOptions(batch_size=300))
        assert (batch.created, batch.failed) == (700, 0)
        return list(Authorship.objects.order_by("paper__arxiv_id", "position")
                    .values_list("paper__arxiv_id", "position", "author__slug", "author__name"))

    by_name = imported()
    Paper.objects.all().delete()
    Author.objects.all().delete()
    monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)
    monkeypatch.setattr(author_numbers, "LIMIT", 100)  # a new table with each chunk of 250 papers
    assert imported() == by_name
    assert len(by_name) > 2000 and Author.objects.count() == len({slug for _, _, slug, _ in by_name})


def _snapshot_file(path, items) -> str:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return str(path)


def test_values_that_do_not_fit_their_columns_fail_alone(tmp_path):
    """Binary COPY encodes values in Python: a wrong type or an out-of-range number is still a failed record."""
    items = SnapshotItemFactory.create_batch(3)
    items[1]["versions"] = [{"version": "v99999"}]  # a version number past the column's smallint
    batch = import_sources([_snapshot_file(tmp_path / "range.jsonl", items)])
    assert (batch.created, batch.failed) == (2, 1)
    assert "out of range" in batch.errors.get().reason
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"kind": "paper", "arxiv_id": "2402.19480", "version": "two", "title": "Two"}) + "\n",
                      encoding="utf-8")
    batch = import_sources([str(export)], format="paperdesk")
    assert (batch.created, batch.failed) == (0, 1)
    assert "does not fit its column" in batch.errors.get().reason
    assert Paper.objects.count() == 2


def test_records_before_a_truncated_end_still_land(tmp_path):
    from bench.import_snapshot import snapshot_records

    lines = [(json.dumps(item) + "\n").encode() for item in snapshot_records(300, seed=9)]
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip_cut_short(lines, 200))  # the download stopped inside line 201
    batch = import_sources([str(path)], options=IngestOptions(batch_size=1000))
    assert (batch.created, batch.failed) == (200, 1)
    error = batch.errors.get()
    assert (error.file, error.line) == (str(path), 201) and "truncated or corrupt" in error.reason
    assert Paper.objects.count() == 200


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_of_overlapping_files_agree(tmp_path):
    """Two workers importing overlapping snapshots: each paper once, each author once, every author list whole."""
    import threading

    from django.db import connection

    from bench.import_snapshot import snapshot_records

    items = list(snapshot_records(450, seed=11))
    files = [_snapshot_file(tmp_path / "a.jsonl", items[:300]), _snapshot_file(tmp_path / "b.jsonl", items[150:])]
    batches = {}

    def run(path):
        try:
            batches[path] = import_sources([path], options=IngestOptions(batch_size=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(batch.created for batch in batches.values()) == Paper.objects.count() == 450
    assert Author.objects.count() == len({a for item in items for a in map(tuple, item["authors_parsed"])})
    stored = {}
    for arxiv_id, name in Authorship.objects.order_by("paper_id", "position").values_list("paper__arxiv_id", "author__name"):
        stored.setdefault(arxiv_id, []).append(name)
    for item in items:
        expected = list(dict.fromkeys(f"{first} {last}" for last, first, _ in item["authors_parsed"]))
        assert stored[item["id"]] == expected
