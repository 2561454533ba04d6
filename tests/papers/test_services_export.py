"""The JSON Lines export: what each line holds, and export → import reproducing the desk."""
from __future__ import annotations

import json

import pytest

from papers.importers.paperdesk_export import HEADER_KEY, PAPER_FIELDS, VERSION
from papers.models import Author, Authorship, Digest, DigestEntry, Generation, Paper, Status, Summary, Topic
from papers.services.export import export_records
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

PEFT = "2401.12215"  # first entry of the Hexo seed: authors, tag, code link, structured block
ASMV2 = "2402.19474"  # first entry of seed 000


@pytest.fixture
def desk(seed_digest, seed_hexo):
    """Seed 000 published, the Hexo seed as drafts, an editor's correction, entries in several states."""
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    import_sources([str(seed_hexo)])
    edited = Summary.objects.get(paper__arxiv_id=PEFT)
    edited.title_zh = "少即是多：参数高效微调推进医学视觉基础模型"
    edited.status = Status.IN_REVIEW
    edited.save()
    Summary.objects.filter(paper__arxiv_id="2402.19465").update(status=Status.UNPUBLISHED)
    paper = Paper.objects.get(arxiv_id="2402.19446")
    paper.tags.add("RL", "agents")
    paper.categories, paper.primary_category = ["cs.LG", "cs.CL"], "cs.LG"  # the primary one leads, as imports keep it
    paper.figures = [{"url": "https://e.org/f1.png", "caption": "图 1"}]
    paper.save()
    PaperFactory(arxiv_id="2403.00009", version=3, title="A paper with no entry yet", authors=[], topic=None,
                 categories=[], primary_category="", published=None)


def export_file(tmp_path, name: str) -> str:
    """The export as ``manage.py export_papers`` writes it."""
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in export_records()),
                    encoding="utf-8")
    return str(path)


def by_kind(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r.get("kind") == kind]


def test_the_export_is_a_header_then_topics_then_digests_then_papers(desk):
    records = list(export_records())
    assert set(records[0]) == {HEADER_KEY, "exported_at"} and records[0][HEADER_KEY] == VERSION
    kinds = [r["kind"] for r in records[1:]]
    assert kinds == ["topic"] * 5 + ["digest"] * 2 + ["paper"] * 43
    assert [t["slug"] for t in by_kind(records, "topic")] == ["llm", "llm-theory", "llm-applications", "agent", "rag"]
    assert by_kind(records, "topic")[3] == {"kind": "topic", "slug": "agent", "name_zh": "Agent", "name_en": "Agents",
                                            "position": 40}
    digests = by_kind(records, "digest")
    assert [(d["date"], d["topic"], d["status"]) for d in digests] == [
        ("2024-01-24", "llm", "draft"), ("2024-02-29", None, "published"),
    ]
    arxiv_ids = [p["arxiv_id"] for p in by_kind(records, "paper")]
    assert arxiv_ids == sorted(arxiv_ids) and len(set(arxiv_ids)) == 43


def test_a_paper_line_holds_the_paper_its_entry_and_its_places(desk):
    records = {r["arxiv_id"]: r for r in by_kind(list(export_records()), "paper")}
    peft = records[PEFT]
    paper = Paper.objects.select_related("summary__generation").get(arxiv_id=PEFT)
    for name in PAPER_FIELDS:
        assert peft[name] == getattr(paper, name), name
    assert peft["authors"] == ["Chenyu Lian", "Hong-Yu Zhou", "Yizhou Yu", "Liansheng Wang"]
    assert peft["tags"] == ["LLM"] and peft["topic"] == paper.topic.slug
    assert peft["digests"] == [{"date": "2024-01-24", "topic": "llm", "position": 1}]
    assert peft["code_url"] == "https://github.com/RL4M/MED-PEFT"
    entry = peft["summary"]
    assert entry["status"] == "in_review"
    assert entry["title_zh"] == "少即是多：参数高效微调推进医学视觉基础模型"
    assert entry["machine"] == paper.summary.generation.output
    assert entry["machine"]["title_zh"] != entry["title_zh"]  # the machine text, not the corrected one
    assert entry["structured_html"] == paper.summary.structured_html and "厦门大学" in entry["structured_html"]
    assert {k: entry[k] for k in Summary.TEXT_FIELDS} == paper.summary.text_values()

    rl = records["2402.19446"]
    assert rl["tags"] == ["RL", "agents"]  # sorted by name
    assert rl["categories"] == ["cs.LG", "cs.CL"] and rl["figures"] == [{"url": "https://e.org/f1.png", "caption": "图 1"}]
    assert rl["published"] == "2024-02-29" and rl["updated"] is None
    assert rl["digests"] == [{"date": "2024-02-29", "topic": None, "position": 5}]
    assert rl["summary"]["status"] == "published"

    bare = records["2403.00009"]
    assert "summary" not in bare
    assert (bare["version"], bare["title"], bare["authors"], bare["tags"], bare["digests"], bare["topic"]) == (
        3, "A paper with no entry yet", [], [], [], None)


def test_an_entry_without_machine_text_exports_none(desk):
    Summary.objects.filter(paper__arxiv_id=ASMV2).update(generation=None)
    line = next(r for r in export_records() if r.get("arxiv_id") == ASMV2)
    assert line["summary"]["machine"] is None and line["summary"]["headline_zh"].startswith("《全知计划V2》")


def snapshot() -> dict:
    """Everything the export promises to carry, without ids and timestamps."""
    papers = {}
    for paper in Paper.objects.select_related("topic").order_by("arxiv_id"):
        values = {name: getattr(paper, name) for name in (
            "version", "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
            "primary_category", "published", "updated", "code_url", "figures")}
        values.update(topic=paper.topic.slug if paper.topic else None, tags=sorted(paper.tags.names()),
                      authors=[a.name for a in paper.ordered_authors()])
        papers[paper.arxiv_id] = values
    summaries = {
        s.paper.arxiv_id: {**s.text_values(), "status": s.status, "summary_language": s.summary_language,
                           "structured_html": s.structured_html, "key_points_html": s.key_points_html,
                           "machine": s.generation.output if s.generation else None,
                           "edited": s.edited_fields()}
        for s in Summary.objects.select_related("paper", "generation")
    }
    digests = sorted(
        (str(d.date), d.topic.slug if d.topic else None, d.title, d.description, d.status,
         tuple(d.entries.order_by("position").values_list("paper__arxiv_id", "position")))
        for d in Digest.objects.select_related("topic")
    )
    topics = sorted(Topic.objects.values_list("slug", "name_zh", "name_en", "position"))
    return {"papers": papers, "summaries": summaries, "digests": digests, "topics": topics}


def test_export_then_import_into_an_empty_database_gives_identical_papers_and_summaries(desk, tmp_path):
    before = snapshot()
    path = export_file(tmp_path, "desk.jsonl")
    for model in (Digest, Paper, Author, Topic):
        model.objects.all().delete()
    assert not Summary.objects.exists() and not Generation.objects.exists()

    batch = import_sources([path])
    assert (batch.created, batch.updated, batch.unchanged, batch.failed) == (43, 0, 0, 0)
    after = snapshot()
    assert after["papers"] == before["papers"]
    assert after["summaries"] == before["summaries"]
    assert after["digests"] == before["digests"] and after["topics"] == before["topics"]
    assert after["summaries"][PEFT]["edited"] == {"title_zh"}  # still a correction of the machine text
    # Publication times are not part of the export: a published entry is published again at import.
    assert not Summary.objects.published().filter(published_at__isnull=True).exists()
    assert Summary.objects.published().count() == 27


def table_rows() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Paper, Summary, Generation, Digest, DigestEntry, Author, Topic)
    } | {"Authorship": list(Authorship.objects.order_by("paper_id", "position").values())}


def test_importing_an_export_twice_changes_nothing(desk, tmp_path):
    path = export_file(tmp_path, "desk.jsonl")
    for model in (Digest, Paper, Author, Topic):
        model.objects.all().delete()
    import_sources([path])
    rows = table_rows()
    again = import_sources([path])
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 43, 0)
    assert table_rows() == rows  # not a row rewritten: every timestamp is as it was


def test_importing_an_export_over_the_desk_it_came_from_changes_nothing(desk, tmp_path):
    rows = table_rows()
    batch = import_sources([export_file(tmp_path, "desk.jsonl")])
    assert (batch.created, batch.updated, batch.unchanged, batch.failed) == (0, 0, 43, 0)
    assert table_rows() == rows


def test_a_second_export_of_the_imported_desk_is_the_same(desk, tmp_path):
    first = export_file(tmp_path, "first.jsonl")
    for model in (Digest, Paper, Author, Topic):
        model.objects.all().delete()
    import_sources([first])
    second = export_file(tmp_path, "second.jsonl")

    def body(path):
        return open(path, encoding="utf-8").read().splitlines()[1:]  # past the header and its timestamp

    assert body(first) == body(second) and len(body(first)) == 50


def test_the_export_query_count_does_not_grow_with_papers(seed_hexo, seed_digest, django_assert_num_queries):
    import_sources([str(seed_hexo)])
    with django_assert_num_queries(6):
        assert len(list(export_records())) == 1 + 5 + 1 + 14
    import_sources([str(seed_digest)])
    with django_assert_num_queries(6):
        assert len(list(export_records())) == 1 + 5 + 2 + 42
