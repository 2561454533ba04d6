"""Bulk writes on PostgreSQL: binary COPY of papers, authors and authorships, and how they fail."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from papers.fixed_queries import one_of
from papers.importers import paper_rows
from papers.importers.author_numbers import AuthorNumbering, AuthorTable
from papers.importers.records import PaperRecord
from papers.models import Author, Authorship, Paper, Topic
from papers.services import bulk
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import SnapshotItemFactory

pytestmark = pytest.mark.django_db


def row(arxiv_id: str, topic_id: int | None = None, **values) -> tuple[PaperRecord, int | None]:
    """A new paper as insert_papers takes it: a record and a topic id."""
    return PaperRecord(arxiv_id=arxiv_id, **{"version": 1, "title": f"Paper {arxiv_id}", **values}), topic_id


def test_insert_papers_writes_every_column_and_returns_the_ids_in_order():
    topic = Topic.objects.get(slug="agent")
    rows = [
        row("2402.19474", version=2, title="The All-Seeing Project V2", abstract="Relations, “quoted”, 中文.",
            comments="Technical Report", journal_ref="CVPR 2024", doi="10.1000/x", license="CC BY 4.0",
            categories=["cs.CV", "cs.AI"], published=dt.date(2024, 2, 29),
            updated=dt.date(2024, 3, 1), code_url="https://github.com/OpenGVLab/all-seeing",
            figures=[{"url": "https://e.org/f.png", "caption": "图 1"}], topic_id=topic.pk),
        row("2401.12215", version=None),
    ]
    ids = bulk.insert_papers(rows)
    assert len(ids) == 2 and len(set(ids)) == 2
    first, second = Paper.objects.get(pk=ids[0]), Paper.objects.get(pk=ids[1])
    assert first.arxiv_id == "2402.19474" and second.arxiv_id == "2401.12215"
    for name, value in zip(paper_rows.COLUMN_NAMES, paper_rows.values(rows[0][0])):
        assert getattr(first, name) == value, name
    assert first.primary_category == "cs.CV" and first.topic_id == topic.pk and second.topic_id is None
    assert second.version is None and second.published is None and second.categories == []
    assert first.created_at == first.modified_at == second.created_at
    # The ids come from the table's own sequence: the next ORM insert does not collide with them.
    assert Paper.objects.create(arxiv_id="2401.00001", title="After").pk > max(ids)


def test_a_row_encoded_where_it_was_parsed_lands_as_the_record_would():
    record, _ = row("2402.19474", abstract="Relations, “quoted”, 中文.", categories=["cs.CV"],
                    published=dt.date(2024, 2, 29), authors=["Weiyun Wang"])
    numbering, table = AuthorNumbering(), AuthorTable()
    encoded = paper_rows.encoded(record, numbering)
    table.extend(numbering.take()[1])  # as the process receiving the row does
    encoded.table = table
    assert isinstance(encoded, paper_rows.EncodedPaper) and encoded.record() == record
    [pk] = bulk.insert_papers([(encoded, None)])
    [again] = bulk.insert_papers([row("2402.19475", **{k: v for k, v in vars(record).items() if k != "arxiv_id"})])
    columns = ["version", "title", "abstract", "categories", "primary_category", "published", "figures"]
    assert (Paper.objects.filter(pk=pk).values(*columns).get()
            == Paper.objects.filter(pk=again).values(*columns).get())


def test_a_duplicate_arxiv_id_fails_as_django_integrity_error():
    bulk.insert_papers([row("2402.19474")])
    with pytest.raises(IntegrityError, match="duplicate key"), transaction.atomic():
        bulk.insert_papers([row("2402.19475"), row("2402.19474")])
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2402.19474"]  # the whole COPY rolled back
    assert bulk.insert_papers([row("2402.19475")])  # and the connection is usable afterwards


@pytest.mark.parametrize(
    "values, message",
    [
        ({"version": 40000}, "version 40000 is out of range"),
        ({"version": "two"}, "does not fit its column"),
        ({"published": "2024-02-29"}, "does not fit its column"),
        ({"topic_id": "agent"}, "does not fit its column"),
        ({"doi": "x" * 201}, "value too long"),
    ],
    ids=["smallint-overflow", "wrong-type", "date-as-text", "fk-as-text", "varchar-length"],
)
def test_values_that_do_not_fit_fail_as_django_data_error(values, message):
    with pytest.raises(DataError, match=message), transaction.atomic():
        bulk.insert_papers([row("2402.19474", **values)])
    assert not Paper.objects.exists()


def test_store_authors_inserts_the_new_ones_and_finds_the_rest():
    known: dict[str, int] = {}
    inserted = bulk.store_authors({"weiyun-wang": "Weiyun Wang", "yiming-ren": "Yiming Ren"}, known)
    stored = dict(Author.objects.values_list("slug", "id"))
    assert known == stored and set(stored) == {"weiyun-wang", "yiming-ren"}
    assert inserted == set(stored.values())
    assert Author.objects.get(slug="yiming-ren").name == "Yiming Ren"

    again: dict[str, int] = {}
    inserted = bulk.store_authors({"weiyun-wang": "Weiyun Wang (other spelling)", "jifeng-dai": "Jifeng Dai"}, again)
    assert again == {"weiyun-wang": stored["weiyun-wang"], "jifeng-dai": Author.objects.get(slug="jifeng-dai").pk}
    assert inserted == {again["jifeng-dai"]}
    assert Author.objects.get(slug="weiyun-wang").name == "Weiyun Wang"  # an existing author is never rewritten
    assert Author.objects.count() == 3


def test_store_authors_twice_changes_nothing_and_leaves_the_stage_empty():
    names = {f"author-{n}": f"Author {n}" for n in range(50)}
    first: dict[str, int] = {}
    bulk.store_authors(names, first)
    second: dict[str, int] = {}
    assert bulk.store_authors(names, second) == set()
    assert first == second and Author.objects.count() == 50
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {bulk.AUTHOR_STAGE}")
        assert cursor.fetchone()[0] == 0


def test_an_author_name_too_long_fails_as_django_data_error():
    with pytest.raises(DataError), transaction.atomic():
        bulk.store_authors({"long": "X" * 301}, {})
    assert not Author.objects.exists()


def test_insert_authorships_keeps_the_order_given_by_position():
    [paper_id] = bulk.insert_papers([row("2402.19474")])
    known: dict[str, int] = {}
    new_authors = bulk.store_authors({"b": "Bo", "a": "Ann", "c": "Cy"}, known)
    bulk.insert_authorships([(paper_id, [known["c"], known["a"], known["b"]])],
                            new_papers=[paper_id], new_authors=new_authors)
    assert [a.name for a in Paper.objects.get(pk=paper_id).ordered_authors()] == ["Cy", "Ann", "Bo"]


def test_authorships_are_written_in_author_order():
    """The author index takes each of its pages once a batch: the rows go in sorted by author, then paper."""
    first, second = bulk.insert_papers([row("2402.19474"), row("2402.19475")])
    known: dict[str, int] = {}
    new_authors = bulk.store_authors({"a": "Ann", "b": "Bo", "c": "Cy"}, known)
    bulk.insert_authorships([(second, [known["c"], known["a"]]), (first, [known["b"], known["c"], known["a"]])],
                            new_papers=[first, second], new_authors=new_authors)
    with connection.cursor() as cursor:
        cursor.execute("SELECT author_id, paper_id, position FROM papers_authorship ORDER BY ctid")
        written = cursor.fetchall()
    assert written == [(known["a"], first, 2), (known["a"], second, 1), (known["b"], first, 0),
                       (known["c"], first, 1), (known["c"], second, 0)]


def test_references_are_checked_except_those_this_transaction_inserted():
    paper_id, other = bulk.insert_papers([row("2402.19474"), row("2402.19475")])
    known: dict[str, int] = {}
    new_authors = bulk.store_authors({"a": "Ann"}, known)
    with CaptureQueriesContext(connection) as checked:
        bulk.insert_authorships([(paper_id, [known["a"]])])
    assert sum("NOT EXISTS" in q["sql"] for q in checked.captured_queries) == 2
    with CaptureQueriesContext(connection) as trusted:
        bulk.insert_authorships([(other, [known["a"]])], new_papers=[other], new_authors=new_authors)
    assert sum("NOT EXISTS" in q["sql"] for q in trusted.captured_queries) == 0
    assert Authorship.objects.filter(author_id=known["a"]).count() == 2


def test_author_ids_are_trusted_until_an_author_is_deleted():
    """The import keeps author ids across batches; it looks them up again only once the deletion counter moved."""
    from tests.factories import AuthorFactory

    paper_id, other, third = bulk.insert_papers([row("2402.19474"), row("2402.19475"), row("2402.19476")])
    known: dict[str, int] = {}
    bulk.store_authors({"a": "Ann"}, known)
    seen = bulk.author_deletions()
    with CaptureQueriesContext(connection) as trusted:
        assert bulk.insert_authorships([(paper_id, [known["a"]])], new_papers=[paper_id], deletions_seen=seen) == seen
    assert not any("NOT EXISTS" in q["sql"] for q in trusted.captured_queries)
    AuthorFactory().delete()  # any author, deleted any way
    with CaptureQueriesContext(connection) as checked:
        now = bulk.insert_authorships([(other, [known["a"]])], new_papers=[other], deletions_seen=seen)
    assert now != seen and sum("NOT EXISTS" in q["sql"] for q in checked.captured_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM papers_author WHERE id = -1")  # a statement that deletes nothing counts too
    assert bulk.author_deletions() == now + 1
    with pytest.raises(IntegrityError, match="0 missing papers and 1 missing authors"), transaction.atomic():
        Author.objects.filter(pk=known["a"]).delete()
        bulk.insert_authorships([(third, [known["a"]])], new_papers=[third], deletions_seen=now + 1)


def test_broken_references_are_counted_and_roll_back():
    [paper_id] = bulk.insert_papers([row("2402.19474")])
    known: dict[str, int] = {}
    bulk.store_authors({"a": "Ann"}, known)
    missing = [(paper_id + 100, [known["a"]]), (paper_id + 101, [known["a"]]), (paper_id, [known["a"] + 7])]
    with pytest.raises(IntegrityError, match="2 missing papers and 1 missing authors"), transaction.atomic():
        bulk.insert_authorships(missing)
    assert not Authorship.objects.exists()


def test_an_authorship_position_out_of_range_fails_before_anything_is_written():
    [paper_id] = bulk.insert_papers([row("2402.19474")])
    known: dict[str, int] = {}
    bulk.store_authors({"a": "Ann"}, known)
    with pytest.raises(DataError, match="author position 40000 is out of range"), transaction.atomic():
        bulk.insert_authorships([(paper_id, [known["a"]] * 40001)])
    assert not Authorship.objects.exists()


def test_a_repeated_authorship_fails_as_integrity_error():
    [paper_id] = bulk.insert_papers([row("2402.19474")])
    known: dict[str, int] = {}
    bulk.store_authors({"a": "Ann", "b": "Bo"}, known)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_authorships([(paper_id, [known["a"]]), (paper_id, [known["b"]])])


def test_no_rows_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk.insert_authorships([])


def test_one_of_matches_a_whole_batch_in_one_parameter():
    bulk.insert_papers([row("2402.19474"), row("2402.19465"), row("2402.19464")])
    wanted = ["2402.19474", "2402.19464", "2499.99999"]
    with CaptureQueriesContext(connection) as queries:
        found = set(Paper.objects.filter(arxiv_id__in=one_of(wanted, "text")).values_list("arxiv_id", flat=True))
    assert found == {"2402.19474", "2402.19464"}
    assert "unnest" in queries.captured_queries[0]["sql"]
    assert not Paper.objects.filter(arxiv_id__in=one_of([], "text")).exists()


@pytest.mark.django_db(transaction=True)
def test_relax_durability_lasts_only_for_its_transaction():
    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    assert setting() == "on"
    with transaction.atomic():
        bulk.relax_durability()
        assert setting() == "off"
    assert setting() == "on"


def snapshot_file(tmp_path, name: str, items: list[dict]) -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("parsed_in", ["this process", "a parsing process"])
def test_a_batch_the_database_rejects_is_retried_record_by_record(tmp_path, monkeypatch, parsed_in):
    """One bad record in a batch of COPYs: the others land, the bad one fails alone with its line.

    Whether the rows were made here or, already encoded, in the parsing process.
    """
    from papers.importers import reader

    if parsed_in == "a parsing process":
        monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)
    items = [SnapshotItemFactory(id=f"2402.1947{n}", authors_parsed=[["Wang", "Weiyun", ""], [f"Author{n}", "A", ""]])
             for n in range(5)]
    items[2]["authors_parsed"] = [["X" * 400, "Too", ""]]  # Author.name holds 300 characters
    items[3]["versions"] = [{"version": "v40000"}]  # Paper.version is a smallint
    items[4]["doi"] = "10.1000/" + "x" * 200  # Paper.doi holds 200 characters: the server refuses the row
    batch = import_sources([snapshot_file(tmp_path, "snap.jsonl", items)], options=IngestOptions(batch_size=10))
    assert (batch.created, batch.failed) == (2, 3)
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["2402.19470", "2402.19471"]
    errors = dict(batch.errors.values_list("line", "reason"))
    assert sorted(errors) == [3, 4, 5]
    assert "value too long" in errors[3] and "version 40000 is out of range" in errors[4]
    assert "value too long for type character varying(200)" in errors[5]
    assert Author.objects.filter(slug__startswith="weiyun").count() == 1
    for paper in Paper.objects.all():
        assert [a.name for a in paper.ordered_authors()][0] == "Weiyun Wang"
    again = import_sources([snapshot_file(tmp_path, "snap.jsonl", items)], options=IngestOptions(batch_size=10))
    assert (again.created, again.unchanged, again.failed) == (0, 2, 3)
    assert Paper.objects.count() == 2 and Authorship.objects.count() == 4 and Author.objects.count() == 3
