"""How a day's digest covered arXiv's announcements, said to readers in one plain-text sentence.

"How this day was covered: 28 of 612 new cs.CL papers, selected by …": the
numbers come from the day's ledger (``FetchDay``), the published count being
the selected papers readers can see.  A day without a ledger (an imported
archive) says nothing.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext, ngettext, pgettext

from papers.fixed_queries import FixedQuery
from papers.models import FetchDay


def selection_label() -> str:
    """The rule that chose the day's papers, as readers read it; empty when every paper is taken."""
    if not settings.ARXIV_SELECT:
        return ""
    return settings.ARXIV_SELECT_LABEL or gettext("keywords in the title or abstract (LLM, language model, agent, RAG)")


# A digest page asks this on every view: its SQL is compiled once (papers.fixed_queries).
FETCHED_DAYS = FixedQuery(lambda day: FetchDay.objects.filter(day=day, state=FetchDay.State.FETCHED).with_published()
                          .order_by("category").only("category", "announced"), day=dt.date)


def day_coverage(day: dt.date) -> str:
    """The sentence for ``day``, or "" if no fetch read that day."""
    rows = [row for row in FETCHED_DAYS(day=day) if row.day_papers_announced]
    if not rows:
        return ""
    counts = pgettext("between the categories of a list", "; ").join(
        ngettext("%(published)d of %(announced)d new %(category)s paper",
                 "%(published)d of %(announced)d new %(category)s papers", row.day_papers_announced)
        % {"published": row.published, "announced": row.day_papers_announced, "category": row.category}
        for row in rows
    )
    rule = selection_label()
    if rule:
        return gettext("How this day was covered: %(counts)s, selected by %(rule)s.") % {"counts": counts, "rule": rule}
    return gettext("How this day was covered: %(counts)s.") % {"counts": counts}
