"""The ledger of announcement days: what each fetch of arXiv's announcements saw, per day and category.

A day's row says what arXiv announced (by announce type), and each new or
cross-listed paper's fate: in the day's digest, or excluded and why (not in the
site's topics, a duplicate of an earlier day, an import that failed).  What
became of the selected papers afterwards (summarized, waiting, published, a
failed summary) is read from their entries (``FetchDay.objects.with_counts``),
never copied here, so it cannot go stale.

A fetch that read nothing is a *failed* day, kept apart from a *quiet* one (a
weekend or holiday arXiv names in ``skipDays``), and the scheduled retry runs
the fetch again while the newest day is failed.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from papers import signals
from papers.importers.arxiv_announce import DAY_TYPES, Listing
from papers.models import DigestEntry, FetchDay, FetchDayItem, ImportBatch, Paper

# arXiv's day: its feeds change at midnight in New York, so the day being announced is New York's date.
ARXIV_TZ = ZoneInfo("America/New_York")
CROSS_OF = {"new": "cross", "cross": "cross", "replace": "replace-cross", "replace-cross": "replace-cross"}
Outcome = FetchDayItem.Outcome


def arxiv_today() -> dt.date:
    """The day arXiv's feed announces now."""
    return timezone.now().astimezone(ARXIV_TZ).date()


def selected(paper: Paper) -> bool:
    """Whether an announced paper belongs on this site (``ARXIV_SELECT``, on its title and abstract)."""
    pattern = settings.ARXIV_SELECT
    return not pattern or bool(re.search(pattern, f"{paper.title}\n{paper.abstract}", re.I))


def listing_types(listing: Listing, categories: list[str]) -> dict[str, str]:
    """The fetched categories that list an announced paper, and its announce type in each.

    arXiv lists a paper as new (or replaced) in its primary category and as a
    cross-list in the others; a feed of several categories shows it once, with
    one type, so each category's count is what its own listing would show.
    """
    primary = listing.categories[0] if listing.categories else ""
    listed_in = [c for c in listing.categories if c in categories] or [primary or categories[0]]
    return {c: listing.announce_type if c == primary else CROSS_OF.get(listing.announce_type, listing.announce_type)
            for c in listed_in}


def day_outcomes(*, day: dt.date, listings: list[Listing], batch: ImportBatch) -> dict[str, tuple[str, str, Paper | None]]:
    """arXiv id → (outcome, reason, paper) for each new and cross-listed paper of the day, in the feed's order."""
    ids = [listing.arxiv_id for listing in listings if listing.announce_type in DAY_TYPES]
    papers = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=ids).defer("search_vector")}
    failures = {}
    for arxiv_id, reason in batch.errors.filter(level="error", arxiv_id__in=ids).values_list("arxiv_id", "reason"):
        if not reason.startswith("duplicate entry"):  # a second listing in the feed: the first one landed
            failures.setdefault(arxiv_id, reason)
    earlier = dict(
        DigestEntry.objects.filter(paper__arxiv_id__in=ids, digest__date__lt=day).order_by("digest__date")
        .values_list("paper__arxiv_id", "digest__date")
    )
    outcomes = {}
    for arxiv_id in ids:
        paper = papers.get(arxiv_id)
        if arxiv_id in failures or paper is None:
            reason = failures.get(arxiv_id) or f"not imported (import batch #{batch.pk})"
            outcomes[arxiv_id] = (Outcome.FAILED, reason, None)
        elif arxiv_id in earlier:
            outcomes[arxiv_id] = (Outcome.DUPLICATE, f"already in the digest of {earlier[arxiv_id]:%Y-%m-%d}", paper)
        elif not selected(paper):
            outcomes[arxiv_id] = (Outcome.NOT_SELECTED, "title and abstract do not match ARXIV_SELECT", paper)
        else:
            outcomes[arxiv_id] = (Outcome.SELECTED, "", paper)
    return outcomes


@transaction.atomic
def fetch_day_record(*, day: dt.date, categories: list[str], batch: ImportBatch, listings: list[Listing],
                     outcomes: dict[str, tuple[str, str, Paper | None]], quiet: bool = False) -> list[FetchDay]:
    """Write the ledger of a day the fetch read (or found quiet): one row per category, its items replaced."""
    now = timezone.now()
    announced: dict[str, dict[str, int]] = {c: {} for c in categories}
    items: dict[str, list[FetchDayItem]] = {c: [] for c in categories}
    for listing in listings:
        for category, kind in listing_types(listing, categories).items():
            counts = announced.setdefault(category, {})
            counts[kind] = counts.get(kind, 0) + 1
            if listing.arxiv_id in outcomes:
                outcome, reason, paper = outcomes[listing.arxiv_id]
                items.setdefault(category, []).append(FetchDayItem(
                    arxiv_id=listing.arxiv_id, announce_type=kind, paper=paper, outcome=outcome, reason=reason))
    rows = []
    for category, counts in announced.items():
        row, _ = FetchDay.objects.update_or_create(
            day=day, category=category,
            defaults={"state": FetchDay.State.QUIET if quiet else FetchDay.State.FETCHED, "announced": counts,
                      "selection": settings.ARXIV_SELECT, "error": "", "batch": batch, "last_attempt_at": now,
                      "fetched_at": now, "attempts": F("attempts") + 1},
            create_defaults={"state": FetchDay.State.QUIET if quiet else FetchDay.State.FETCHED, "announced": counts,
                             "selection": settings.ARXIV_SELECT, "batch": batch, "last_attempt_at": now,
                             "fetched_at": now, "attempts": 1},
        )
        row.items.all().delete()
        for item in items.get(category, []):
            item.fetch_day = row
        FetchDayItem.objects.bulk_create(items.get(category, []))
        rows.append(row)
    signals.digests_changed([day])  # the day's page says how the day was covered
    return rows


@transaction.atomic
def fetch_day_failed(*, day: dt.date, categories: list[str], batch: ImportBatch, reason: str) -> list[FetchDay]:
    """Record an attempt that read nothing for ``day``: the day is failed, unless an earlier attempt succeeded."""
    now = timezone.now()
    rows = []
    for category in categories:
        row, created = FetchDay.objects.select_for_update().get_or_create(
            day=day, category=category,
            defaults={"state": FetchDay.State.FAILED, "error": reason, "batch": batch, "attempts": 1,
                      "last_attempt_at": now},
        )
        if not created:
            row.attempts += 1
            row.last_attempt_at, row.batch = now, batch
            if row.state == FetchDay.State.FAILED:  # a day read once stays read
                row.error = reason
            row.save(update_fields=["attempts", "last_attempt_at", "batch", "error"])
        rows.append(row)
    return rows


@transaction.atomic
def fetch_days_mark_quiet(*, days: list[FetchDay], reason: str) -> int:
    """A person's word that arXiv announced nothing on failed days (a holiday it did not list): quiet, not retried.

    Only failed days change, and the reason stays on them; returns how many changed.
    """
    return FetchDay.objects.filter(pk__in=[d.pk for d in days], state=FetchDay.State.FAILED).update(
        state=FetchDay.State.QUIET, error=reason)


def fetch_retry_due(*, categories: list[str]) -> bool:
    """Whether the announcement fetch should run again: the newest day in the ledger failed in every category."""
    newest = FetchDay.objects.filter(category__in=categories).order_by("-day").values_list("day", flat=True).first()
    if newest is None:
        return False
    states = set(FetchDay.objects.filter(category__in=categories, day=newest).values_list("state", flat=True))
    return states == {FetchDay.State.FAILED}
