"""Machine summaries: run a backend, record the Generation, merge into the entry."""
from __future__ import annotations

from django.db import transaction

from papers.models import Generation, Paper, Summary
from papers.services.summaries import summary_apply_generation
from papers.summarizers import get_backend


def summary_generate(*, paper: Paper, force: bool = False, backend_name: str | None = None) -> Generation | None:
    """Summarize ``paper`` unless this exact input was summarized before (then None)."""
    backend = get_backend(backend_name)
    input_hash = backend.input_hash(paper)
    if not force and Generation.objects.filter(summary__paper=paper, input_hash=input_hash).exists():
        return None
    result = backend.summarize(paper)
    with transaction.atomic():
        summary, _ = Summary.objects.select_for_update().get_or_create(paper=paper)
        language = result.output.pop("summary_language", "")
        generation = Generation.objects.create(
            summary=summary, kind=Generation.Kind.BACKEND, backend=backend.name, model=backend.model,
            prompt_version=backend.prompt_version, input_hash=input_hash,
            output={**{n: "" for n in Summary.TEXT_FIELDS if n not in ("key_points", "keywords")},
                    "key_points": [], "keywords": [], **(summary.generation.output if summary.generation_id else {}),
                    **result.output},
            raw_output=result.raw, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
            latency_ms=result.latency_ms, cost_usd=result.cost_usd,
        )
        if language and not summary.summary_language:
            summary.summary_language = language
        summary_apply_generation(summary=summary, generation=generation)
    return generation
