"""Machine summaries: run a backend, record the Generation, merge into the entry.

Every outcome lands on the entry for editors to see: plausible text (state
``ok``), text to translate (the offline backend), text flagged by the
plausibility checks, or a failure with its reason.  None of these changes the
workflow state: machine text is always a draft until a person publishes it.
"""
from __future__ import annotations

import logging

from django.db import transaction

from papers.models import Generation, Paper, Summary
from papers.services.summaries import summary_apply_generation
from papers.summary_fields import empty_value
from papers.summarizers import get_backend
from papers.summarizers.errors import PermanentError
from papers.summarizers.output import plausibility_problems

logger = logging.getLogger(__name__)
State = Summary.MachineState


def already_generated(paper: Paper, input_hash: str) -> bool:
    return Generation.objects.filter(summary__paper=paper, input_hash=input_hash, error="").exists()


def summary_generate(*, paper: Paper, force: bool = False, backend_name: str | None = None) -> Generation | None:
    """Summarize ``paper`` unless this exact input was summarized before (then None).

    Transient errors (``TransientError``) propagate for the task to retry.
    """
    backend = get_backend(backend_name)
    input_hash = backend.input_hash(paper)
    if not force and already_generated(paper, input_hash):
        return None
    try:
        result = backend.summarize(paper)
    except PermanentError as exc:
        return summary_mark_failed(paper=paper, backend=backend, input_hash=input_hash, reason=str(exc), raw=exc.raw)
    language = result.output.pop("summary_language", "")
    with transaction.atomic():
        summary, _ = Summary.objects.select_for_update().get_or_create(paper=paper)
        if not force and already_generated(paper, input_hash):  # another worker got here first
            return None
        base = summary.generation.output if summary.generation_id else {}
        generation = Generation.objects.create(
            summary=summary, kind=Generation.Kind.BACKEND, backend=backend.name, model=backend.model,
            prompt_version=backend.prompt_version, input_hash=input_hash,
            output={**{n: empty_value(n) for n in Summary.TEXT_FIELDS}, **base,
                    **result.output},
            raw_output=result.raw, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
            latency_ms=result.latency_ms, cost_usd=result.cost_usd,
        )
        if language and not summary.summary_language:
            summary.summary_language = language
        problems = plausibility_problems(result.output, title=paper.title)
        if problems:
            summary.machine_state, summary.machine_note = State.FLAGGED, "; ".join(problems)
        elif not any(result.output.get(n) for n in ("headline_zh", "title_zh", "abstract_zh")):
            summary.machine_state, summary.machine_note = State.NEEDS_TRANSLATION, "no Chinese text from this backend"
        else:
            summary.machine_state, summary.machine_note = State.OK, ""
        summary_apply_generation(summary=summary, generation=generation)
    return generation


def summary_mark_failed(*, paper: Paper, backend, input_hash: str, reason: str, raw: str = "") -> Generation:
    """Record a failed call on the entry (creating a draft entry if need be): never lost, never published."""
    logger.warning("summary of %s failed: %s", paper.arxiv_id, reason)
    with transaction.atomic():
        summary, _ = Summary.objects.select_for_update().get_or_create(paper=paper)
        generation = Generation.objects.create(
            summary=summary, kind=Generation.Kind.BACKEND, backend=backend.name, model=backend.model,
            prompt_version=backend.prompt_version, input_hash=input_hash, output={}, raw_output=raw, error=reason,
        )
        summary.machine_state, summary.machine_note = State.FAILED, reason
        summary.save(update_fields=["machine_state", "machine_note", "modified_at"])
    return generation
