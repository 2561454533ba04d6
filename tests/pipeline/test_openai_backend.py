"""The OpenAI-compatible backend against the scripted server: every success and failure path."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from papers.models import Generation, Paper, Status, Summary
from papers.services.generation import summary_generate
from papers.services.ingest import import_sources
from papers.summarizers.errors import TransientError

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(data_dir):
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    return Paper.objects.get(arxiv_id="2402.19474")


def test_good_answer_lands_as_a_draft_with_its_generation(fake_llm, paper, settings):
    server = fake_llm("good")
    settings.SUMMARIZER_PRICE_IN, settings.SUMMARIZER_PRICE_OUT = 0.15, 0.60  # US$ per million tokens
    generation = summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert summary.status == Status.DRAFT and summary.machine_state == "ok"
    assert summary.title_zh == "全知计划V2：迈向开放世界的通用关系理解" and len(summary.key_points) == 3
    assert (generation.backend, generation.model, generation.prompt_version) == ("openai", "fake-model", "summarize-v1")
    assert (generation.tokens_in, generation.tokens_out) == (500, 300)
    generation.refresh_from_db()
    assert generation.cost_usd == Decimal("0.000255")  # (500 × 0.15 + 300 × 0.60) / 1,000,000, as stored
    assert len(generation.input_hash) == 64 and generation.latency_ms is not None and generation.raw_output
    request = server.calls[0]
    assert request["response_format"]["type"] == "json_schema" and request["model"] == "fake-model"
    assert "The All-Seeing Project V2" in request["messages"][-1]["content"]


def test_same_input_is_never_paid_for_twice(fake_llm, paper):
    server = fake_llm("good")
    summary_generate(paper=paper)
    assert summary_generate(paper=paper) is None
    assert len(server.calls) == 1
    summary_generate(paper=paper, force=True)
    assert len(server.calls) == 2


def test_invalid_answer_is_retried_once_with_the_error(fake_llm, paper):
    server = fake_llm("invalid", "good")
    summary_generate(paper=paper)
    assert len(server.calls) == 2
    assert "That answer was invalid: not JSON" in server.calls[1]["messages"][-1]["content"]
    assert Summary.objects.get(paper=paper).machine_state == "ok"


@pytest.mark.parametrize("behaviour, reason, raw", [
    ("invalid", "not JSON", "Sure! Here is the summary: {not json"),
    ("schema", "does not match the schema", '{"headline_zh": "只有标题"}'),
])
def test_still_invalid_after_one_retry_fails_the_entry_with_the_reason(fake_llm, paper, behaviour, reason, raw):
    server = fake_llm(behaviour)
    generation = summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert len(server.calls) == 2
    assert summary.machine_state == "failed" and reason in summary.machine_note
    assert summary.status == Status.DRAFT  # never published, never lost
    assert (generation.error, generation.raw_output, generation.output) == (summary.machine_note, raw, {})
    assert summary.generation_id is None  # the failed call's text never becomes the entry's


def test_plausible_json_but_wrong_in_kind_is_flagged(fake_llm, paper):
    fake_llm("english")
    summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert summary.machine_state == "flagged"
    assert "title_zh has no Chinese" in summary.machine_note and "URL" in summary.machine_note


@pytest.mark.parametrize("behaviour", ["401", "400"])
def test_auth_and_bad_request_fail_at_once(fake_llm, paper, behaviour):
    server = fake_llm(behaviour)
    summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert len(server.calls) == 1
    assert summary.machine_state == "failed" and f"({behaviour})" in summary.machine_note


def test_an_answer_that_is_not_the_api_fails_the_entry_with_what_came_back(fake_llm, paper):
    server = fake_llm("html")
    generation = summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert len(server.calls) == 1
    assert summary.machine_state == "failed" and "not a JSON object" in summary.machine_note
    assert "Please sign in" in generation.raw_output


@pytest.mark.parametrize("behaviour, retry_after", [("429", 1.0), ("500", None), ("slow", None)])
def test_transient_failures_raise_for_the_task_to_retry(fake_llm, paper, behaviour, retry_after):
    fake_llm(behaviour, timeout=1.0)
    with pytest.raises(TransientError) as raised:
        summary_generate(paper=paper)
    assert raised.value.retry_after == retry_after
    assert not Generation.objects.filter(summary__paper=paper).exists()


def test_editor_text_survives_a_new_machine_answer_and_the_revision_records_what_was_stored(fake_llm, paper):
    fake_llm("good")
    summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    summary.title_zh = "编辑改过的标题"
    summary.save()
    summary_generate(paper=paper, force=True)
    summary.refresh_from_db()
    assert summary.title_zh == "编辑改过的标题"
    # One revision per write, the machine's copied from the stored row by the database: the kept edit, the new text.
    latest, edited, created = summary.history.order_by("-history_id")
    assert [r.history_type for r in (latest, edited, created)] == ["~", "~", "+"]
    assert latest.history_user is None and latest.history_change_reason is None
    assert (latest.revision, latest.title_zh, latest.generation_id) == (
        summary.revision, "编辑改过的标题", summary.generation_id)
    assert json.dumps(summary.generation.output, ensure_ascii=False).count("全知计划V2：迈向开放世界的通用关系理解") == 1
