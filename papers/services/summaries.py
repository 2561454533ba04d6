"""The one rule for machine text meeting an editor's text.

A field whose current value differs from the machine (or source) text it
started from was changed by a person.  New machine text replaces only fields
nobody changed; for the others it is kept on the new Generation, where the
review screen offers it as a suggestion beside the editor's text.
"""
from __future__ import annotations

from papers.services.merge import three_way_merge
from papers.models import Generation, Summary
from papers.services.revisions import save_with_revision


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


def merge_edited(summary: Summary, base: dict, incoming: dict, kept: set[str]) -> dict:
    """Three-way merge of each edited field: clean merges → values; conflicts go on the entry."""
    merged = {}
    conflicts = dict(summary.merge_conflicts or {})
    for name in kept:
        value, conflict = three_way_merge(base.get(name, ""), getattr(summary, name), incoming[name])
        if conflict:
            conflicts[name] = {"base": base.get(name, ""), "ours": getattr(summary, name), "theirs": incoming[name]}
        else:
            merged[name] = value
            conflicts.pop(name, None)
    summary.merge_conflicts = conflicts
    return merged


def summary_apply_generation(*, summary: Summary, generation: Generation) -> set[str]:
    """Make ``generation`` the entry's machine text, merging it with the editor's changes.

    Untouched fields take the new text; edited fields get a three-way merge
    (old machine text as the base); clashes are recorded in ``merge_conflicts``
    for the editor.  Returns the fields in conflict.
    """
    base = summary.generation.output if summary.generation_id else {}
    updates, kept = machine_updates(summary, base, generation.output)
    updates.update(merge_edited(summary, base, generation.output, kept))
    for name, value in updates.items():
        setattr(summary, name, value)
    summary.generation = generation
    save_with_revision(summary)
    return set(summary.merge_conflicts)
