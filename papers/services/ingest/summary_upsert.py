"""Entries (summaries) from a source: new ones with their source text, existing ones without losing an editor's text."""
from __future__ import annotations

from papers.importers.records import PaperRecord
from papers.models import Generation, Status, Summary
from papers.services.ingest.bookkeeping import Context
from papers.services.ingest.states import States, initial_state
from papers.services.summaries import machine_updates, merge_edited


def summary_upsert(ctx: Context, states: States, paper_id: int, record: PaperRecord) -> bool:
    """Create the paper's entry, or bring a source's new text into it without losing an editor's; True if changed."""
    incoming = record.summary
    given = {name: value for name, value in incoming.text_fields().items() if value}
    publish = ctx.options.publish
    summary = Summary.objects.filter(paper_id=paper_id).select_related("generation").first()
    if summary is None:
        summary = Summary(paper_id=paper_id, **given)
        summary.summary_language = incoming.summary_language
        summary.structured_html = incoming.structured_html
        _flag_untranslated(summary, incoming)
        summary.save()
        machine = incoming.machine if incoming.machine is not None else {**summary.text_values(), **given}
        summary.generation = _generation(ctx, summary, record, machine)
        summary.save(update_fields=["generation"])
        if state := initial_state(ctx, incoming.status):
            states.set(summary, state)
        return True

    base = summary.generation.output if summary.generation_id else {}
    updates, kept = machine_updates(summary, base, given)
    if kept and incoming.machine is None:  # a new source text meets an editor's change: merge, or record the clash
        conflicts_before = dict(summary.merge_conflicts or {})
        updates.update(merge_edited(summary, base, given, kept))
        if summary.merge_conflicts != conflicts_before:
            updates["merge_conflicts"] = summary.merge_conflicts
    # The source's own text: what an export says the machine wrote, else what the source says.
    source_text = incoming.machine if incoming.machine is not None else given
    changed = bool(updates)
    changed |= _flag_untranslated(summary, incoming)
    if any(base.get(name) != value for name, value in source_text.items() if value):
        new_machine = {**{n: base.get(n, "") for n in summary.TEXT_FIELDS}, **source_text}
        summary.generation = _generation(ctx, summary, record, new_machine)
        changed = True
    for name, value in updates.items():
        setattr(summary, name, value)
    if incoming.structured_html and incoming.structured_html != summary.structured_html:
        summary.structured_html = incoming.structured_html
        changed = True
    if incoming.summary_language and not summary.summary_language:
        summary.summary_language = incoming.summary_language
        changed = True
    if changed:
        summary.save()
    if publish and summary.status != Status.PUBLISHED:
        states.set(summary, Status.PUBLISHED)
        changed = True
    return changed


def _flag_untranslated(summary: Summary, incoming) -> bool:
    """A source whose translation failed: the entry needs one (unless it has that text from elsewhere)."""
    missing = [name for name in incoming.untranslated if not getattr(summary, name)]
    if not missing or summary.machine_state == Summary.MachineState.NEEDS_TRANSLATION:
        return False
    labels = ", ".join(str(Summary._meta.get_field(name).verbose_name) for name in missing)
    summary.machine_state = Summary.MachineState.NEEDS_TRANSLATION
    summary.machine_note = f"the source's translation failed ({labels}: an error message or the English again); left empty"
    return True


def _generation(ctx: Context, summary: Summary, record: PaperRecord, output: dict) -> Generation:
    return Generation.objects.create(
        summary=summary,
        kind=Generation.Kind.SOURCE,
        backend=ctx.current_format or "import",
        source=record.source,
        output=output,
        raw_output=record.raw,
    )
