"""What the desk needs to see first: counts per state, my queue, the oldest waiting, today's digest,
published entries whose paper arXiv replaced with a changed English text, the announcement ledger, and imports
running or interrupted."""
from __future__ import annotations

from django.db.models import Case, Count, Q, When
from django.utils import timezone

from editorial.diffs import inline_diff
from editorial.imports import desk_imports
from editorial.ledger import desk_ledger
from editorial.workflow import digest_blockers
from papers.models import Digest, ErrorReport, Paper, Status, Summary
from papers.site.desk_search import ESTIMATE_ABOVE, planner_rows

WAITING = [Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED]


# What the lists below show of an entry: loading whole rows (the paper's abstract and search vector
# included) for the sort cost 100+ ms at a million entries.
LISTED = ("id", "status", "modified_at", "source_change", "paper__arxiv_id")


def state_counts() -> dict[str, int | str]:
    """Entries per state: exact where few (the status index, at most ``ESTIMATE_ABOVE`` rows read), else about.

    A GROUP BY over every entry took 1.4 s at a million entries; the published
    ones are nearly all of them and their exact number is no decision of the desk's.
    """
    counts = {}
    for state in Status:
        entries = Summary.objects.filter(status=state)
        exact = entries.order_by()[: ESTIMATE_ABOVE + 1].count()
        counts[state.value] = exact if exact <= ESTIMATE_ABOVE else f"≈ {planner_rows(entries) or exact:,}"
    return counts


def dashboard(user) -> dict:
    counts = state_counts()
    mine = Summary.objects.select_related("paper").only(*LISTED).order_by("modified_at")
    if user.has_perm("editorial.review_entry"):  # reviewers: what is assigned to them to decide
        mine = mine.filter(assignee=user, status__in=[Status.IN_REVIEW, Status.APPROVED])
    else:  # editors: what was sent back, then drafts
        sent_back_first = Case(When(status=Status.CHANGES_REQUESTED, then=0), default=1)
        mine = mine.filter(status__in=[Status.CHANGES_REQUESTED, Status.DRAFT]).order_by(sent_back_first, "modified_at")
    today = timezone.localdate()
    digest = (
        Digest.objects.filter(date__lte=today).exclude(status=Status.PUBLISHED).select_related("topic").order_by("-date").first()
        or Digest.objects.filter(date=today).select_related("topic").first()
    )
    reports = ErrorReport.objects.filter(resolved_at__isnull=True).aggregate(
        open=Count("id"), mine=Count("id", filter=Q(assignee=user)), unassigned=Count("id", filter=Q(assignee=None)))
    return {
        "counts": [(s.label, s.value, counts.get(s.value, 0)) for s in Status],
        "error_reports": reports,
        "mine": list(mine[:10]),
        "oldest": list(Summary.objects.filter(status__in=WAITING).select_related("paper").only(*LISTED)
                       .order_by("modified_at")[:5]),
        "digest": digest,
        "blockers": digest_blockers(digest)[:10] if digest else [],
        **desk_ledger(),
        **desk_imports(),
        "rereview": [
            {"summary": s, "changes": source_diffs(s)}
            for s in Summary.objects.needs_rereview().select_related("paper").only(*LISTED).order_by("modified_at")[:10]
        ],
    }


def source_diffs(summary: Summary) -> list[dict]:
    """What arXiv changed in the English source since the entry was reviewed, field by field."""
    change = summary.source_change or {}
    return [
        {"label": Paper._meta.get_field(name).verbose_name, "diff": inline_diff(*change[name], words=True)}
        for name in ("title", "abstract") if name in change
    ]
