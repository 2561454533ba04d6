"""The digest family through the ingest: merging by arXiv id, notes, flagged translations, the category table."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from papers.importers.sources import from_bytes
from papers.models import DigestEntry, ImportBatch, Paper, RecordError, Summary, Topic, TopicAlias
from papers.services.ingest import IngestOptions, import_sources

from tests.factories import PaperFactory, SummaryFactory, TopicAliasFactory

from .helpers import run_import

pytestmark = pytest.mark.django_db

FAMILY = Path(__file__).resolve().parents[1] / "data" / "digest_family"


def notes(batch: ImportBatch) -> list[tuple[str, int | None, str]]:
    return [(Path(e.file).relative_to(FAMILY).as_posix(), e.line, e.reason)
            for e in batch.errors.filter(level=RecordError.Level.NOTE).order_by("id")]


def test_the_whole_family_imports_every_paper_once_with_notes_and_no_failure():
    batch = import_sources([str(FAMILY)])
    assert (batch.failed, batch.state) == (0, ImportBatch.State.DONE)
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == [
        "2403.13838", "2403.16952", "2403.18365", "2403.19001", "2403.19002", "2403.19003", "2403.20288",
        "2403.20329", "2403.20330"]
    assert batch.created == 9 and Summary.objects.count() == 9
    assert notes(batch) == [
        ("index.md", 1, "index file, no papers: 5 links to other files and no arXiv id"),
        ("monthly/2024-03.md", None, "weekly or monthly report: 2 papers imported without a digest (a digest is one "
                                     "day's issue)"),
        ("weekly/2024-W13.md", None, "weekly or monthly report: 3 papers imported without a digest (a digest is one "
                                     "day's issue)"),
    ]
    day = DigestEntry.objects.filter(digest__date=dt.date(2024, 3, 29), digest__topic=None)
    assert sorted(day.values_list("paper__arxiv_id", flat=True)) == ["2403.20288", "2403.20329", "2403.20330"]


def test_a_paper_in_a_daily_and_a_weekly_file_is_one_paper_in_one_digest():
    daily = import_sources([str(FAMILY / "daily" / "2024-03-29.md")])
    weekly = import_sources([str(FAMILY / "weekly" / "2024-W13.md")])
    assert (daily.created, weekly.created, weekly.updated, weekly.failed) == (2, 2, 1, 0)
    paper = Paper.objects.get(arxiv_id="2403.20330")
    assert Paper.objects.count() == 4 and Summary.objects.filter(paper=paper).count() == 1
    assert list(paper.digest_entries.values_list("digest__date", "position")) == [(dt.date(2024, 3, 29), 1)]
    assert paper.title == "Are We on the Right Way for Evaluating Large Vision-Language Models?"
    again = import_sources([str(FAMILY / "weekly" / "2024-W13.md")])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_failed_translation_lands_empty_and_flagged_for_the_desk():
    batch = import_sources([str(FAMILY / "daily" / "2024-03-28_failed_translation.md")], options=IngestOptions(publish=True))
    assert (batch.created, batch.failed) == (3, 0)
    flagged = {s.paper.arxiv_id: s for s in Summary.objects.select_related("paper")}
    error = flagged["2403.19001"]
    assert (error.abstract_zh, error.headline_zh) == ("", "长上下文语言模型的位置插值")
    assert error.machine_state == Summary.MachineState.NEEDS_TRANSLATION
    assert error.machine_note == ("the source's translation failed (Chinese abstract: an error message or the English "
                                  "again); left empty")
    assert "429" not in error.paper.abstract and "429" not in error.generation.output["abstract_zh"]
    assert flagged["2403.19002"].machine_state == "needs_translation" and flagged["2403.19002"].abstract_zh == ""
    headline = flagged["2403.19003"]
    assert headline.headline_zh == "" and headline.machine_note.startswith("the source's translation failed (Chinese headline")
    warning = batch.errors.get(arxiv_id="2403.19001", level=RecordError.Level.WARNING)
    assert (Path(warning.file).name, warning.line) == ("2024-03-28_failed_translation.md", 1)
    assert warning.reason.startswith("line 4: the Chinese abstract is an error message")


def test_a_failed_translation_does_not_flag_an_entry_that_has_the_text():
    paper = PaperFactory(arxiv_id="2403.19002", version=None, title="Query Rewriting for Retrieval-Augmented Generation")
    SummaryFactory(paper=paper, abstract_zh="我们训练一个小模型在检索之前改写问题。", machine_state="ok")
    import_sources([str(FAMILY / "daily" / "2024-03-28_failed_translation.md")])
    summary = Summary.objects.get(paper=paper)
    assert (summary.abstract_zh, summary.machine_state) == ("我们训练一个小模型在检索之前改写问题。", "ok")


def test_categories_map_through_the_alias_table_and_new_ones_become_topics():
    text = "\n".join([
        "#### [面向检索增强生成的查询改写](https://arxiv.org/abs/2403.19002)",
        "#### Query Rewriting for Retrieval-Augmented Generation", "发布时间：2024年03月28日",
        "> 我们训练一个小模型在检索之前改写问题。", "> We train a small model to rewrite questions before retrieval.",
        "`检索增强生成`",
        "#### [具身智能体的世界模型](https://arxiv.org/abs/2403.19004)",
        "#### World Models for Embodied Agents", "发布时间：2024年03月28日",
        "> 我们为具身智能体学习世界模型。", "> We learn world models for embodied agents.",
        "`具身智能`",
        "#### [大型语言模型能纠正医生的判断吗？](https://arxiv.org/abs/2403.20288)",
        "#### Can LLMs Correct Physicians, Yet?", "发布时间：2024年03月29日",
        "> 我们评估模型纠正医生判断的能力。", "> We evaluate whether models correct physicians.",
        "`N/A`",
    ]) + "\n"
    topics_before = Topic.objects.count()
    import_sources([from_bytes("2024-03-28.md", text.encode())])
    topics = dict(Paper.objects.values_list("arxiv_id", "topic__slug"))
    assert topics == {"2403.19002": "rag", "2403.19004": "具身智能", "2403.20288": None}  # a seeded alias, a new topic, none
    assert Topic.objects.count() == topics_before + 1 and not Topic.objects.filter(name_zh__iexact="n/a").exists()
    alias = TopicAlias.objects.get(name="具身智能")
    assert alias.topic.slug == "具身智能"

    # An editor points the new category at an existing topic: the next import follows the table.
    alias.topic = Topic.objects.get(slug="agent")
    alias.save()
    import_sources([from_bytes("again.md", text.replace("2403.19004", "2403.19005").encode())])
    assert Paper.objects.get(arxiv_id="2403.19005").topic.slug == "agent"


def test_an_alias_added_by_an_editor_is_used():
    TopicAliasFactory(name="Large Vision-Language Models", topic=Topic.objects.get(slug="llm-applications"))
    text = (FAMILY / "per_paper" / "20240329_mmstar.md").read_text(encoding="utf-8").replace("LLM应用", "large vision-language models")
    import_sources([from_bytes("20240329_mmstar.md", text.encode())])
    assert Paper.objects.get(arxiv_id="2403.20330").topic.slug == "llm-applications"


def test_a_missing_title_keeps_the_known_one_and_warns_for_a_new_paper():
    PaperFactory(arxiv_id="2403.20288", version=None, title="Can LLMs Correct Physicians, Yet?")
    batch = import_sources([str(FAMILY / "per_paper" / "2024-03-29" / "can_llms_correct_physicians.md")])
    assert (batch.updated, batch.failed) == (1, 0)
    assert Paper.objects.get(arxiv_id="2403.20288").title == "Can LLMs Correct Physicians, Yet?"
    reasons = list(batch.errors.filter(level="warning").values_list("line", "reason"))
    assert (1, "line 1: no English title (looked for an English heading, > line or title line); the paper keeps the "
               "title it has, if it is known") in reasons


def test_the_command_prints_notes_and_exits_0_for_an_index_file():
    result = run_import(str(FAMILY / "index.md"))
    assert result.code == 0
    assert f"note: {FAMILY / 'index.md'}:1: index file, no papers: 5 links to other files and no arXiv id" in result.out
    assert ImportBatch.objects.get().state == ImportBatch.State.DONE
