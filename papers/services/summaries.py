"""The one rule for machine text meeting an editor's text.

A field whose current value differs from the machine (or source) text it
started from was changed by a person.  New machine text replaces only fields
nobody changed; for the others it is kept on the new Generation, where the
review screen offers it as a suggestion beside the editor's text.
"""
from __future__ import annotations

from papers.models import Generation, Summary


def machine_updates(summary: Summary, base: dict, incoming: dict) -> tuple[dict, set[str]]:
    """(fields the new machine text may overwrite → value, fields kept for the editor)."""
    updates, kept = {}, set()
    for name, value in incoming.items():
        if not value or name not in Summary.TEXT_FIELDS:
            continue
        current = getattr(summary, name)
        if current == value:
            continue
        # With machine text on record, differing from it means a person edited; without, any text does.
        edited_by_person = base[name] != current if name in base else bool(current)
        if edited_by_person:
            kept.add(name)
        else:
            updates[name] = value
    return updates, kept


def summary_apply_generation(*, summary: Summary, generation: Generation) -> set[str]:
    """Make ``generation`` the entry's machine text; returns the fields kept for the editor."""
    base = summary.generation.output if summary.generation_id else {}
    updates, kept = machine_updates(summary, base, generation.output)
    for name, value in updates.items():
        setattr(summary, name, value)
    summary.generation = generation
    summary.save()
    return kept
