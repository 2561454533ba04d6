"""Machine summaries: run a backend, record the Generation, merge into the entry.

Every outcome lands on the entry for editors to see: plausible text (state
``ok``), text to translate (the offline backend), text flagged by the
plausibility checks, or a failure with its reason.  None of these changes the
workflow state: machine text is always a draft until a person publishes it.
"""
from __future__ import annotations

import logging

from django.db import IntegrityError, connection, transaction

from papers.models import Generation, Paper, Summary
from papers.services.revisions import save_with_revision
from papers.services.summaries import machine_updates, summary_apply_generation
from papers.summary_fields import empty_value
from papers.summarizers import get_backend
from papers.summarizers.errors import PermanentError
from papers.summarizers.output import plausibility_problems

logger = logging.getLogger(__name__)
State = Summary.MachineState


SUMMARIZER_READS = ("id", "arxiv_id", "version", "title", "abstract")


def paper_to_summarize(paper_id: int) -> Paper | None:
    """The paper as a summarizer reads it (its prompt and input hash), not its search vector and the rest; None if gone.

    Written out: the ORM built this one-row read (``only(...).get()``) at ~0.3 ms
    of a worker's CPU, a twelfth of all it spends on a summary.
    """
    columns = ", ".join(Paper._meta.get_field(name).column for name in SUMMARIZER_READS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {Paper._meta.db_table} WHERE id = %s", [paper_id])
        row = cursor.fetchone()
    return None if row is None else Paper.from_db(connection.alias, SUMMARIZER_READS, row)


def already_generated(paper: Paper, input_hash: str) -> bool:
    return Generation.objects.filter(summary__paper=paper, input_hash=input_hash, error="").exists()


def generated_before(paper: Paper, input_hash: str) -> bool | None:
    """Whether this exact input was summarized already; None when the paper has no entry yet (so nothing was).

    Written out because every summary asks it first: building it with the ORM cost ten times the query.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {Generation._meta.db_table} g WHERE g.summary_id = s.id"
            f" AND g.input_hash = %s AND g.error = '') FROM {Summary._meta.db_table} s WHERE s.paper_id = %s",
            [input_hash, paper.pk],
        )
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def summary_generate(*, paper: Paper, force: bool = False, backend_name: str | None = None) -> Generation | None:
    """Summarize ``paper`` unless this exact input was summarized before (then None).

    Transient errors (``TransientError``) propagate for the task to retry.
    """
    backend = get_backend(backend_name)
    input_hash = backend.input_hash(paper)
    before = generated_before(paper, input_hash)
    if before and not force:
        return None
    try:
        result = backend.summarize(paper)
    except PermanentError as exc:
        return summary_mark_failed(paper=paper, backend=backend, input_hash=input_hash, reason=str(exc), raw=exc.raw)
    language = result.output.pop("summary_language", "")
    try:
        return _record(paper, backend, input_hash, result, language, force, new=before is None)
    except IntegrityError:  # another worker created the entry meanwhile: now there is one to lock
        return _record(paper, backend, input_hash, result, language, force, new=False)


def _record(paper: Paper, backend, input_hash: str, result, language: str, force: bool, *, new: bool):
    with transaction.atomic():
        if new:  # no entry a moment ago: insert it; if another worker has since, the insert fails
            return _first_generation(paper, backend, input_hash, result, language)
        # Locked until commit: an editor's save waits, so the merge below reads the text it keeps.
        summary = next(iter(Summary.objects.select_for_update().filter(paper=paper)[:1]), None)
        if summary is None:  # deleted meanwhile
            return _first_generation(paper, backend, input_hash, result, language)
        if not force and already_generated(paper, input_hash):  # another worker got here first
            return None
        base = summary.generation.output if summary.generation_id else {}
        generation = _generation(summary, backend, input_hash, result, base)
        if language and not summary.summary_language:
            summary.summary_language = language
        summary.machine_state, summary.machine_note = machine_check(result.output, paper.title)
        summary_apply_generation(summary=summary, generation=generation)
    return generation


def _first_generation(paper: Paper, backend, input_hash: str, result, language: str) -> Generation:
    """A new entry, inserted with its machine text: one write and one revision, not an empty entry and then the text.

    Nobody has edited an entry that did not exist, so every field takes the machine text.
    """
    summary = Summary(paper=paper, summary_language=language)
    summary.machine_state, summary.machine_note = machine_check(result.output, paper.title)
    updates, _ = machine_updates(summary, {}, _output({}, result))
    for name, value in updates.items():
        setattr(summary, name, value)
    save_with_revision(summary)  # an entry created by another worker meanwhile: IntegrityError, and the caller tries again
    generation = _generation(summary, backend, input_hash, result, {})
    _link_generation(summary, generation)
    return generation


def _link_generation(summary: Summary, generation: Generation) -> None:
    """The entry's current Generation set, and nothing else written (no save, no signals: the text is unchanged).

    Written out: ``QuerySet.update`` of one column cost 0.3 ms of the worker's CPU a summary, five times the statement.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Summary._meta.db_table} SET generation_id = %s WHERE id = %s",
                       [generation.pk, summary.pk])
    summary.generation = generation


def _output(base: dict, result) -> dict:
    """Every text field: the machine's new text, else the machine's text before, else empty."""
    return {**{n: empty_value(n) for n in Summary.TEXT_FIELDS}, **base, **result.output}


def _generation(summary: Summary, backend, input_hash: str, result, base: dict) -> Generation:
    return Generation.objects.create(
        summary=summary, kind=Generation.Kind.BACKEND, backend=backend.name, model=backend.model,
        prompt_version=backend.prompt_version, input_hash=input_hash, output=_output(base, result),
        raw_output=result.raw, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
        latency_ms=result.latency_ms, cost_usd=result.cost_usd,
    )


def machine_check(output: dict, title: str) -> tuple[str, str]:
    """The entry's machine state and note for this answer."""
    problems = plausibility_problems(output, title=title)
    if problems:
        return State.FLAGGED, "; ".join(problems)
    if not any(output.get(n) for n in ("headline_zh", "title_zh", "abstract_zh")):
        return State.NEEDS_TRANSLATION, "no Chinese text from this backend"
    return State.OK, ""


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
