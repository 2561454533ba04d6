"""The demo's content and logins: a site with a day to read and a desk with a day to review.

One seed is imported published, so the public site has a day on it; the
other is imported as drafts and run through the offline summarizer, the way a
fetched day reaches the desk, so the review-day screen, the checks and the
publish gate can be tried at once.  An editor and a reviewer — staff in their
groups, not superusers — log in beside the admin.

Safe to run again: the imports change nothing the second time, the
summarizer never sends the same paper twice and only ever touches entries
still in draft (a reviewer who published the day keeps it published), and
the logins get fresh passwords.
"""
from __future__ import annotations

import secrets
from datetime import date
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from papers.models import Digest, ImportBatch, Paper, Status
from papers.services.generation import summary_generate
from papers.services.ingest import IngestOptions, import_sources

SEEDS = settings.BASE_DIR / "demo" / "seeds"
PUBLISHED_SEED = SEEDS / "003_2b154e7610c01647.txt"  # a Hexo post of 2024-01-24, 14 entries
DRAFT_SEED = SEEDS / "000_d5c0faa7ab539173.txt"  # the digest of 2024-02-29, 28 entries
DRAFT_DAY = date(2024, 2, 29)
DRAFT_BACKEND = "offline"  # no network, no model: what `make demo` can always run

# (username, group) of the desk's demo logins; the groups come from editorial's roles migration.
DESK_USERS = (("editor", "Editor"), ("reviewer", "Reviewer"))


@dataclass
class DemoResult:
    published: ImportBatch
    drafts: ImportBatch
    draft_digests: list[Digest]
    summarized: int
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, password)


def demo_setup(*, admin_username: str = "admin") -> DemoResult:
    """Import the demo's two days, draft the second with the offline summarizer, (re)set the logins."""
    published = import_sources([str(PUBLISHED_SEED)], options=IngestOptions(publish=True), started_by="demo")
    drafts = import_sources([str(DRAFT_SEED)], options=IngestOptions(), started_by="demo")
    draft_digests = list(Digest.objects.filter(date=DRAFT_DAY).order_by("topic__position"))
    summarized = 0
    waiting = Paper.objects.filter(digests__in=draft_digests, summary__status=Status.DRAFT).distinct().order_by("pk")
    for paper in waiting:
        if summary_generate(paper=paper, backend_name=DRAFT_BACKEND) is not None:
            summarized += 1
    result = DemoResult(published=published, drafts=drafts, draft_digests=draft_digests, summarized=summarized)
    result.logins.append(("admin", admin_username, _login(admin_username, superuser=True)))
    for username, group in DESK_USERS:
        result.logins.append((group.lower(), username, _login(username, group=group)))
    return result


def _login(username: str, *, superuser: bool = False, group: str | None = None) -> str:
    """Make ``username`` a staff login (a superuser, or a member of ``group`` only) with a new password."""
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@localhost"})
    password = secrets.token_urlsafe(12)
    user.is_staff, user.is_superuser, user.is_active = True, superuser, True
    user.set_password(password)
    user.save()
    if group is not None:
        user.groups.set([Group.objects.get(name=group)])
    return password
