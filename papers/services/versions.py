"""New arXiv versions of papers we have: the text before kept, reviewed entries flagged.

When arXiv replaces a paper (v1 → v2) the ingest updates its version, dates,
title and abstract (a newer version wins; never a second paper).  Here, for
those papers:

* the paper's history (django-simple-history) records the text before the
  new version and the text after it, so nothing arXiv replaced is lost;
* an entry already published whose English title or abstract changed is
  marked **needs re-review**: ``Summary.source_change`` keeps the version it
  was reviewed against, the new version, and the reviewed and new text of
  each changed field, for the desk's diff.  Readers keep seeing the reviewed
  text, with a note that a new version exists, until the desk has re-reviewed
  it (``summary_rereviewed``) or published it again.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.utils import timezone

from papers.models import Paper, Status, Summary

TRACKED = ("title", "abstract")  # the English source an entry is written from


def paper_versions_record(*, before: dict[int, Paper], after: Iterable[Paper]) -> list[Summary]:
    """Record papers that moved to a newer version; ``before`` maps each one's id to a copy as it was.

    Returns the published entries marked for re-review.
    """
    after = [paper for paper in after if paper.pk in before]
    if not after:
        return []
    now = timezone.now()
    Paper.history.bulk_history_create([before[p.pk] for p in after], update=True, default_date=now,
                                      default_change_reason="the text before a new arXiv version")
    Paper.history.bulk_history_create(after, update=True, default_date=now + dt.timedelta(microseconds=1),
                                      default_change_reason="a new arXiv version")
    changed = {p.pk: p for p in after if any(getattr(p, name) != getattr(before[p.pk], name) for name in TRACKED)}
    summaries = list(Summary.objects.filter(paper_id__in=list(changed), status=Status.PUBLISHED))
    for summary in summaries:
        old, new = before[summary.paper_id], changed[summary.paper_id]
        change = dict(summary.source_change or {})
        change.setdefault("reviewed_version", old.version)
        change["version"] = new.version
        for name in TRACKED:
            reviewed = change[name][0] if name in change else getattr(old, name)  # what the desk last saw
            if reviewed != getattr(new, name):
                change[name] = [reviewed, getattr(new, name)]
            else:
                change.pop(name, None)
        summary.source_change = change if any(name in change for name in TRACKED) else {}
    Summary.objects.bulk_update(summaries, ["source_change"])
    return [s for s in summaries if s.source_change]


def summary_rereviewed(*, summaries: Iterable[Summary]) -> int:
    """The desk has checked these entries against their paper's new version: no longer flagged."""
    return Summary.objects.filter(pk__in=[s.pk for s in summaries]).needs_rereview().update(source_change={})
