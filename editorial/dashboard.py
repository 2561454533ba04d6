"""What the desk needs to see first: counts per state, my queue, the oldest waiting, today's digest,
published entries whose paper arXiv replaced with a changed English text, the announcement ledger, and imports
running or interrupted."""
from __future__ import annotations

from django.db import connections
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
    Every state is counted in one statement (a query per state cost a round trip each).
    """
    entries = Summary.objects.all()
    table, status = (connections[entries.db].ops.quote_name(name) for name in (Summary._meta.db_table, "status"))
    capped = f"SELECT %s, COUNT(*) FROM (SELECT 1 FROM {table} WHERE {status} = %s LIMIT %s) AS capped"
    with connections[entries.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join([capped] * len(Status)),
                       [value for state in Status for value in (state.value, state.value, ESTIMATE_ABOVE + 1)])
        exact = dict(cursor.fetchall())
    return {
        state.value: n if n <= ESTIMATE_ABOVE else f"≈ {planner_rows(entries.filter(status=state)) or n:,}"
        for state in Status for n in [exact[state.value]]
    }


def oldest_of(states, limit: int):
    """The ``limit`` entries in ``states`` modified longest ago, as a queryset to order and cut again.

    Each state's oldest come from the (status, modified_at) index, ``limit``
    rows each; sorting every waiting entry by time ran in parallel workers
    whose start cost more than the sort.
    """
    per_state = [Summary.objects.filter(status=state).order_by("modified_at").values("pk")[:limit] for state in states]
    return Summary.objects.filter(pk__in=per_state[0].union(*per_state[1:], all=True))


def dashboard(user) -> dict:
    counts = state_counts()
    mine = Summary.objects.select_related("paper").only(*LISTED).order_by("modified_at")
    if user.has_perm("editorial.review_entry"):  # reviewers: what is assigned to them to decide
        mine = mine.filter(assignee=user, status__in=[Status.IN_REVIEW, Status.APPROVED])
    else:  # editors: what was sent back, then drafts
        sent_back_first = Case(When(status=Status.CHANGES_REQUESTED, then=0), default=1)
        mine = (mine.filter(pk__in=oldest_of([Status.CHANGES_REQUESTED, Status.DRAFT], 10))
                .order_by(sent_back_first, "modified_at"))
    today = timezone.localdate()
    # The newest day up to today not yet published, else today's (published): one query.
    digest = (Digest.objects.filter(Q(date__lte=today) & ~Q(status=Status.PUBLISHED) | Q(date=today))
              .select_related("topic").order_by(Case(When(status=Status.PUBLISHED, then=1), default=0), "-date").first())
    reports = ErrorReport.objects.filter(resolved_at__isnull=True).aggregate(
        open=Count("id"), mine=Count("id", filter=Q(assignee=user)), unassigned=Count("id", filter=Q(assignee=None)))
    return {
        "counts": [(s.label, s.value, counts.get(s.value, 0)) for s in Status],
        "error_reports": reports,
        "mine": list(mine[:10]),
        "oldest": list(oldest_of(WAITING, 5).select_related("paper").only(*LISTED).order_by("modified_at")[:5]),
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
