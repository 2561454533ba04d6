"""The glossary: in the LLM prompt, and highlighted on the review screen."""
from __future__ import annotations

import pytest
from django.urls import reverse

from editorial.checks import glossary_findings
from papers.glossary import deviations, prompt_block, terms_in
from papers.models import GlossaryTerm, Paper
from papers.services.generation import summary_generate
from papers.services.ingest import import_sources

pytestmark = pytest.mark.django_db


def test_terms_are_found_with_plurals_and_word_edges():
    found = {t.term_en for t in terms_in("Agents that hallucinate less: a reagent-free benchmark")}
    assert found == {"agent", "benchmark"}


@pytest.mark.parametrize("text", [
    "AGENTS THAT HALLUCINATE LESS: A REAGENT-FREE BENCHMARK",  # case folded as the pattern folds it
    "Agents für weniger Halluzination: ein reagent-freier Benchmark",  # not ASCII: the patterns alone decide
])
def test_terms_are_found_in_any_case_and_script(text):
    assert {t.term_en for t in terms_in(text)} == {"agent", "benchmark"}


def test_deviations_use_the_accepted_variants():
    assert [t.term_en for t in deviations("an agent benchmark", "一个代理的基准测试")] == []
    assert [t.term_en for t in deviations("an agent benchmark", "一个智能代理人")] == ["benchmark"]


def test_prompt_includes_the_relevant_glossary_entries(fake_llm, data_dir):
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    paper = Paper.objects.get(arxiv_id="2402.19474")  # "… relation hallucination …"
    assert "hallucination → 幻觉" in prompt_block(paper)
    server = fake_llm("good")
    summary_generate(paper=paper)
    prompt = server.calls[0]["messages"][-1]["content"]
    assert "hallucination → 幻觉" in prompt and "agent →" not in prompt


def test_an_editors_glossary_change_counts_from_the_next_prompt(fake_llm, data_dir):
    """The terms are read for every prompt: a process that wrote prompts before sees the edit, the new term and the deletion."""
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    paper = Paper.objects.get(arxiv_id="2402.19474")
    assert "hallucination → 幻觉" in prompt_block(paper)
    GlossaryTerm.objects.filter(term_en="hallucination").update(term_zh="错觉", variants=["幻象"])
    GlossaryTerm.objects.create(term_en="relation", term_zh="关系")
    block = prompt_block(paper)
    assert "hallucination → 错觉 (also fine: 幻象)" in block and "relation → 关系" in block
    GlossaryTerm.objects.filter(term_en__in=["hallucination", "relation"]).delete()
    assert "hallucination" not in prompt_block(paper) and "relation →" not in prompt_block(paper)


def test_review_screen_highlights_terms_translated_against_the_glossary(client, users, entry):
    GlossaryTerm.objects.filter(term_en="hallucination").update(term_zh="幻觉", variants=[])
    # The seed translates "relation hallucination" as “关系臆断”, not 幻觉.
    assert glossary_findings(entry) == ["“hallucination” is not translated as 幻觉"]
    client.force_login(users["editor"])
    body = client.get(reverse("admin:papers_summary_change", args=[entry.pk])).content.decode()
    assert "“hallucination” is not translated as 幻觉" in body
