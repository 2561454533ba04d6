"""Per field of an entry: the machine text, the current text, who changed it, how much."""
from __future__ import annotations

from editorial.diffs import as_text, edit_distance
from papers.models import Summary


def field_provenance(summary: Summary) -> list[dict]:
    machine = summary.generation.output if summary.generation_id else {}
    history = list(summary.history.select_related("history_user").order_by("history_date"))
    rows = []
    for name in Summary.TEXT_FIELDS:
        current = getattr(summary, name)
        if name not in machine and not current:
            continue
        changed_by = None
        for older, newer in zip(history, history[1:]):
            if as_text(getattr(older, name)) != as_text(getattr(newer, name)) and newer.history_user_id:
                changed_by = newer.history_user
        edited = name in machine and as_text(machine[name]) != as_text(current)
        rows.append({
            "field": name, "label": Summary._meta.get_field(name).verbose_name, "machine": as_text(machine.get(name, "")),
            "current": as_text(current), "edited": edited, "changed_by": changed_by if edited else None,
            "distance": edit_distance(machine.get(name, ""), current) if edited else 0.0,
        })
    return rows
