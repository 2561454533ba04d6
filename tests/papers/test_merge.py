"""Three-way merge of editor and machine text, and regeneration that never loses edits."""
from __future__ import annotations

import pytest

from papers.services.merge import three_way_merge
from papers.models import Summary
from papers.services.ingest import import_sources

BASE = "第一句。第二句。第三句。"


@pytest.mark.parametrize("ours, theirs, merged, conflict", [
    (BASE, "第一句。第二句（新）。第三句。", "第一句。第二句（新）。第三句。", False),  # only the machine changed
    ("第一句（编辑）。第二句。第三句。", BASE, "第一句（编辑）。第二句。第三句。", False),  # only the editor changed
    ("第一句（编辑）。第二句。第三句。", "第一句。第二句。第三句（新）。", "第一句（编辑）。第二句。第三句（新）。", False),
    ("第一句（编辑）。第二句。第三句。", "第一句（新）。第二句。第三句。", "第一句（编辑）。第二句。第三句。", True),
])
def test_three_way_merge_of_sentences(ours, theirs, merged, conflict):
    assert three_way_merge(BASE, ours, theirs) == (merged, conflict)


def test_lists_merge_by_item():
    base = ["a", "b", "c"]
    assert three_way_merge(base, ["a", "B", "c"], ["a", "b", "c", "d"]) == (["a", "B", "c", "d"], False)
    assert three_way_merge(base, ["A", "b", "c"], ["X", "b", "c"]) == (["A", "b", "c"], True)


@pytest.mark.django_db
def test_reimport_merges_edits_and_shows_conflicts(tmp_path, seed_digest):
    import_sources([str(seed_digest)])
    summary = Summary.objects.get(paper__arxiv_id="2402.19474")
    sentences = summary.abstract_zh.split("。")
    summary.abstract_zh = summary.abstract_zh.replace(sentences[0], sentences[0] + "（编辑）", 1)
    summary.headline_zh = "编辑改写的标题"
    summary.save()

    text = seed_digest.read_text(encoding="utf-8")
    last = [s for s in sentences if s.strip()][-1]
    text = text.replace(last, last + "（新版）", 1)  # the source changes another sentence of the abstract
    text = text.replace("《全知计划V2》：旨在攻克", "《全知计划V2》新：旨在攻克", 1)  # … and the headline
    path = tmp_path / "revised.md"
    path.write_text(text, encoding="utf-8")
    import_sources([str(path)])

    summary.refresh_from_db()
    assert "（编辑）" in summary.abstract_zh and "（新版）" in summary.abstract_zh  # both changes kept
    assert summary.headline_zh == "编辑改写的标题"  # the clash is not resolved silently …
    assert set(summary.merge_conflicts) == {"headline_zh"}  # … it is shown to the editor
    assert summary.merge_conflicts["headline_zh"]["theirs"].startswith("《全知计划V2》新")


@pytest.mark.django_db
def test_conflicts_are_shown_on_the_review_screen_and_block_publishing(admin_client, seed_digest):
    from django.urls import reverse

    from editorial.checks import Problem, check_summary

    import_sources([str(seed_digest)])
    summary = Summary.objects.get(paper__arxiv_id="2402.19474")
    summary.merge_conflicts = {"headline_zh": {"base": "旧", "ours": "编辑的", "theirs": "机器的"}}
    summary.save()
    body = admin_client.get(reverse("admin:papers_summary_change", args=[summary.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New machine text clashes with your edits" in body and "机器的" in body
    assert [p for p in check_summary(summary) if p.code == "merge_conflict"] == [
        Problem("headline_zh", "merge_conflict", "new machine text clashes with an edit: decide and save")]
