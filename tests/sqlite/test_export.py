"""Export, then import into an emptied SQLite database: the same papers and summaries come back."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from papers.models import Digest, ImportBatch, Paper, Summary, Topic
from tests.papers.helpers import run_import
from tests.sqlite.helpers import SEED_PAPERS

pytestmark = pytest.mark.django_db


def export(path) -> list[str]:
    call_command("export_papers", "--output", str(path), stderr=io.StringIO())
    return path.read_text(encoding="utf-8").splitlines()[1:]  # past the header with its timestamp


def summaries() -> dict[str, tuple]:
    return {s.paper.arxiv_id: (s.text_values(), s.status, s.edited_fields())
            for s in Summary.objects.select_related("paper", "generation")}


def test_export_then_import_into_an_emptied_database_gives_the_same_papers_and_summaries(tmp_path, published):
    edited = Summary.objects.get(paper__arxiv_id="2401.12215")
    edited.title_zh = "少即是多：参数高效微调推进医学视觉基础模型"
    edited.save()
    before = summaries()
    first = export(tmp_path / "first.jsonl")
    assert len(first) == 5 + 2 + SEED_PAPERS  # topics, digests, papers

    for model in (Digest, Paper, Topic, ImportBatch):
        model.objects.all().delete()
    assert Paper.objects.count() == 0
    restored = run_import(str(tmp_path / "first.jsonl"))
    assert restored.code == 0, restored.err
    assert restored.out.splitlines()[-2].split()[1:] == [str(SEED_PAPERS), "0", "0", "0"]

    assert export(tmp_path / "second.jsonl") == first
    assert summaries() == before
    assert before["2401.12215"][2] == {"title_zh"}
    again = run_import(str(tmp_path / "first.jsonl"))
    assert again.out.splitlines()[-2].split()[1:] == ["0", "0", str(SEED_PAPERS), "0"]
