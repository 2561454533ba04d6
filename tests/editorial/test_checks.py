"""Every consistency check, with the seed entries as cases."""
from __future__ import annotations

import pytest

from editorial.checks import check_summary
from papers.models import Summary

pytestmark = pytest.mark.django_db


def codes(summary) -> dict[str, str]:
    return {p.code: p.message for p in check_summary(summary)}


@pytest.fixture
def asmv2(entry):
    return entry


def test_a_clean_seed_entry_passes(clean_entry):
    assert check_summary(clean_entry) == []


def test_numbers_missing_or_different_in_the_chinese_abstract(asmv2):
    assert "numbers" not in codes(asmv2)  # the seed keeps 52.04 and 43.14
    asmv2.abstract_zh = asmv2.abstract_zh.replace("52.04", "52.4").replace("43.14", "")
    message = codes(asmv2)["numbers"]
    assert "52.04" in message and "43.14" in message


def test_names_dropped_in_translation(asmv2):
    assert "MLLMs" in codes(asmv2)["names"]  # the seed writes MMLMs
    asmv2.abstract_zh = asmv2.abstract_zh.replace("ASMv2", "该模型")
    assert "ASMv2" in codes(asmv2)["names"]


def test_arxiv_ids_are_names_too(asmv2):
    asmv2.paper.abstract += " Compare 2401.12215."
    assert "2401.12215" in codes(asmv2)["names"]


def test_empty_required_fields(asmv2):
    asmv2.headline_zh = asmv2.title_zh = ""
    asmv2.abstract_zh = asmv2.tldr = ""
    assert [(p.field, p.code) for p in check_summary(asmv2)] == [("headline_zh", "empty"), ("abstract_zh", "empty")]


def test_markdown_html_and_latex_debris(desk):
    entry = Summary.objects.get(paper__arxiv_id="2402.19465")  # the seed keeps \\citet{…} in Chinese
    assert "\\citet{" in codes(entry)["debris"]

    def debris_in_headline():
        return [p.message for p in check_summary(entry) if p.field == "headline_zh"]

    assert debris_in_headline() == []
    for debris, found in (("**粗体**", "**"), ("<p>段落</p>", "<p>"), ("[链接](http://x)", "](")):
        entry.headline_zh = f"标题{debris}"
        assert debris_in_headline() == [f"leftover Markdown, HTML or LaTeX: “{found}”"], debris


def test_wrong_in_kind(asmv2):
    assert set(codes(asmv2)) == {"names"}  # the seed's one finding
    asmv2.title_zh = "The All-Seeing Project V2"
    asmv2.tldr = "https://github.com/OpenGVLab/all-seeing"
    assert {(p.field, p.code) for p in check_summary(asmv2)} == {
        ("abstract_zh", "names"), ("title_zh", "not_chinese"), ("tldr", "url")}
    asmv2.tldr = asmv2.paper.title
    assert set(codes(asmv2)) == {"names", "not_chinese", "title"}
    asmv2.key_points = [asmv2.paper.abstract.split(". ")[0] + "."]
    assert set(codes(asmv2)) == {"names", "not_chinese", "title", "repeats_abstract"}
