"""The factories build what the tests assume: linked rows, clean entries, desk roles."""
from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group

from editorial.checks import check_summary
from papers.models import Author, Digest, Generation, Paper, Status, Summary, Topic
from papers.services.ingest import import_sources

from .factories import (
    SAMPLES,
    AdminFactory,
    AuthorFactory,
    AuthorshipFactory,
    DigestFactory,
    EditorFactory,
    FetchDayItemFactory,
    GenerationFactory,
    ImportBatchFactory,
    PaperFactory,
    ReviewerFactory,
    SnapshotItemFactory,
    SummaryFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def test_a_paper_has_an_arxiv_id_authors_in_order_and_a_seeded_topic():
    topics = Topic.objects.count()
    paper = PaperFactory(authors=["Weiyun Wang", "Yiming Ren"], tags=["LLM"])
    assert paper.arxiv_id.startswith("2402.") and len(paper.arxiv_id) == 10
    assert [a.name for a in paper.ordered_authors()] == ["Weiyun Wang", "Yiming Ren"]
    assert [a.slug for a in paper.ordered_authors()] == ["weiyun-wang", "yiming-ren"]
    assert list(paper.tags.names()) == ["LLM"]
    assert paper.topic.slug in {"agent", "rag", "llm-theory"} and Topic.objects.count() == topics  # fetched, not added
    assert PaperFactory().arxiv_id != paper.arxiv_id


def test_authors_are_people_known_by_their_slug():
    first = PaperFactory(authors=["Weiyun Wang"])
    second = PaperFactory(authors=["Weiyun Wang", AuthorFactory(name="Jifeng Dai")])
    assert Author.objects.filter(slug="weiyun-wang").count() == 1
    assert first.ordered_authors()[0] == second.ordered_authors()[0]
    AuthorshipFactory(paper=second, author=AuthorFactory(name="Yu Qiao"))  # after the ones it has
    assert [(a.position, a.author.name) for a in second.authorships.select_related("author")] == [
        (0, "Weiyun Wang"), (1, "Jifeng Dai"), (2, "Yu Qiao")]


def test_an_entry_is_a_clean_draft_with_its_source_text_on_record():
    for sample in SAMPLES:
        summary = SummaryFactory(paper__title=sample["title"], paper__abstract=sample["abstract"])
        assert (summary.headline_zh, summary.abstract_zh) == (sample["headline_zh"], sample["abstract_zh"])
        assert check_summary(summary) == [], sample["title"]  # names and numbers kept, nothing left over
    summary = Summary.objects.select_related("generation").last()
    assert summary.status == Status.DRAFT and summary.revision == 1
    assert (summary.generation.kind, summary.generation.backend) == (Generation.Kind.SOURCE, "digest-md")
    assert summary.generation.output == summary.text_values() and summary.edited_fields() == set()
    summary.tldr = "编辑改过的一句话总结"
    assert summary.edited_fields() == {"tldr"}


def test_published_and_machine_text_variants():
    summary = SummaryFactory(published=True)
    assert summary.status == Status.PUBLISHED and summary.published_at is not None
    assert list(Paper.objects.published()) == [summary.paper]
    call = GenerationFactory(summary=summary, machine=True)
    assert (call.kind, call.backend, call.tokens_in, len(call.input_hash)) == (Generation.Kind.BACKEND, "openai", 500, 64)
    assert SummaryFactory(generation=False).generation is None


def test_a_digest_lists_its_papers_in_order():
    papers = PaperFactory.create_batch(3)
    digest = DigestFactory(papers=papers)
    assert [e.paper for e in digest.entries.order_by("position")] == papers
    assert [e.position for e in digest.entries.order_by("position")] == [1, 2, 3]
    assert digest.topic is None and digest.status == Status.DRAFT
    assert DigestFactory().date != digest.date and Digest.objects.count() == 2


def test_desk_roles():
    editor, reviewer, admin = EditorFactory(), ReviewerFactory(), AdminFactory()
    assert [g.name for g in editor.groups.all()] == ["Editor"] and [g.name for g in reviewer.groups.all()] == ["Reviewer"]
    assert editor.has_perm("editorial.submit_entry") and not editor.has_perm("editorial.review_entry")
    assert reviewer.has_perm("editorial.review_entry") and admin.has_perm("editorial.review_entry")
    assert editor.check_password("pw") and editor.is_staff and not editor.is_superuser
    assert EditorFactory(password="correct horse battery").check_password("correct horse battery")
    assert Group.objects.filter(name__in=["Editor", "Reviewer"]).count() == 2  # the migrations' groups, reused


def test_import_batch_states():
    assert ImportBatchFactory().state == "running"
    done = ImportBatchFactory(done=True)
    assert (done.state, done.created, done.finished_at is not None) == ("done", 28, True)


def test_a_snapshot_item_imports_as_a_paper(tmp_path):
    item = SnapshotItemFactory(authors_parsed=[["Wang", "Weiyun", ""], ["Dai", "Jifeng", ""]])
    path = tmp_path / "snapshot.jsonl"
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    batch = import_sources([str(path)])
    assert (batch.created, batch.failed) == (1, 0)
    paper = Paper.objects.get(arxiv_id=item["id"])
    assert (paper.title, paper.version) == (item["title"], 1)
    assert [a.name for a in paper.ordered_authors()] == ["Weiyun Wang", "Jifeng Dai"]


def test_topics_are_the_seeded_rows():
    assert TopicFactory(slug="rag") == Topic.objects.get(slug="rag")


def test_a_fetch_day_item_is_a_selected_paper_of_a_day_that_was_read():
    item = FetchDayItemFactory()
    assert (item.fetch_day.state, item.outcome, item.arxiv_id) == ("fetched", "selected", item.paper.arxiv_id)
    assert item.fetch_day.announced == {"new": 3, "cross": 1, "replace": 2}
