"""The edit-rate report: how much editors change each backend's text, per field.

For every (backend, model, prompt version) and field: the share of entries an
editor changed, and the mean normalized edit distance between the machine
text and the current text over all its entries (0 for untouched ones).  This
is how the desk chooses models and prompts.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from editorial.diffs import as_text, edit_distance
from papers.models import Summary


def edit_rates(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[dict]:
    until = until or timezone.now()
    since = since or until - dt.timedelta(days=30)
    entries = (
        Summary.objects.filter(generation__isnull=False, generation__created_at__range=(since, until))
        .select_related("generation")
        .only(*Summary.TEXT_FIELDS, "generation__backend", "generation__model", "generation__prompt_version",
              "generation__output")
    )
    groups: dict[tuple, dict] = defaultdict(lambda: {"entries": 0, "fields": defaultdict(lambda: [0, 0.0, 0])})
    for summary in entries.iterator(chunk_size=2000):
        g = summary.generation
        group = groups[(g.backend, g.model, g.prompt_version)]
        group["entries"] += 1
        for name in Summary.TEXT_FIELDS:
            if name not in g.output:
                continue
            machine, current = g.output[name], getattr(summary, name)
            if not as_text(machine) and not as_text(current):
                continue
            stats = group["fields"][name]
            stats[2] += 1
            if as_text(machine) != as_text(current):
                stats[0] += 1
                stats[1] += edit_distance(machine, current)
    rows = []
    for (backend, model, prompt), group in sorted(groups.items()):
        for name in Summary.TEXT_FIELDS:
            if name not in group["fields"]:
                continue
            changed, distance, seen = group["fields"][name]
            rows.append({
                "backend": backend, "model": model, "prompt_version": prompt, "field": name,
                "label": str(Summary._meta.get_field(name).verbose_name), "entries": seen, "changed": changed,
                "share": changed / seen if seen else 0.0, "mean_distance": distance / seen if seen else 0.0,
            })
    return rows
