"""The editorial workflow: the transitions a person (or the scheduler) may make, checked.

An explicit transition table rather than a state-machine library: the whole
workflow fits on one screen, permission checks stay in one function, and
django-fsm — the usual library — is archived by its authors.

    draft ─submit→ in review ─approve→ approved ─publish→ published ─unpublish→ unpublished
      ↑               │                   │                                         │
      └─(edit)── changes requested ←──────┘ (request changes)          submit again ┘

Each transition checks the user's permission, the current state (under a row
lock) and, to publish, the consistency checks; then
``papers.services.transitions`` — the one code that writes a state — writes it,
the desk records an AuditEntry (who, when, from, to, comment) and a revision
(``editorial.audit``), and ``state_changed`` is sent once the transaction
commits.  Assigning a reviewer goes the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from editorial.checks import Problem, check_summary
from papers.models import Digest, Status, Summary
from papers.services import transitions
from papers.services.transitions import Change

S = Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # lazy: shown in the language of whoever reads it
    sources: frozenset
    target: str
    permission: str


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", _("Submit for review"), frozenset({S.DRAFT, S.CHANGES_REQUESTED, S.UNPUBLISHED}), S.IN_REVIEW,
                   "editorial.submit_entry"),
        Transition("approve", _("Approve"), frozenset({S.IN_REVIEW}), S.APPROVED, "editorial.review_entry"),
        Transition("request_changes", _("Request changes"), frozenset({S.IN_REVIEW, S.APPROVED}), S.CHANGES_REQUESTED,
                   "editorial.review_entry"),
        Transition("publish", _("Publish"), frozenset({S.APPROVED}), S.PUBLISHED, "editorial.publish_entry"),
        Transition("unpublish", _("Unpublish"), frozenset({S.PUBLISHED}), S.UNPUBLISHED, "editorial.publish_entry"),
    )
}


class TransitionError(Exception):
    """The transition is not possible from the current state (or is blocked)."""


class DigestBlocked(TransitionError):
    def __init__(self, blockers: list[Summary]):
        self.blockers = blockers
        listed = "; ".join(f"{s.paper.arxiv_id} ({s.get_status_display()})" for s in blockers)
        super().__init__(ngettext("%(n)s entry is not approved: %(entries)s", "%(n)s entries are not approved: %(entries)s",
                                  len(blockers)) % {"n": len(blockers), "entries": listed})


class ChecksFailed(TransitionError):
    """Entries to be published fail the consistency checks (a reviewer may override, with a comment)."""

    def __init__(self, problems: dict[Summary, list[Problem]]):
        self.problems = problems
        listed = "; ".join(f"{s.paper.arxiv_id}: {', '.join(map(str, p))}" for s, p in problems.items())
        super().__init__(ngettext("consistency checks fail for %(n)s entry — %(entries)s",
                                  "consistency checks fail for %(n)s entries — %(entries)s", len(problems))
                         % {"n": len(problems), "entries": listed})


def available(obj, user) -> list[Transition]:
    """Transitions this user may make on this object now (for buttons; the server checks again)."""
    return [t for t in TRANSITIONS.values() if obj.status in t.sources and user.has_perm(t.permission)]


def transition(obj: Summary | Digest, name: str, *, user, comment: str = "", leave_out: bool = False,
               override: bool = False) -> Change:
    """Move ``obj`` through transition ``name`` as ``user`` (None for the scheduler).

    Publishing runs the consistency checks (editorial.checks); ``override``
    publishes despite them and needs a comment, which the audit log keeps.
    """
    try:
        spec = TRANSITIONS[name]
    except KeyError:
        raise TransitionError(gettext("unknown transition “%(name)s”") % {"name": name}) from None
    if user is not None and not user.has_perm(spec.permission):
        raise PermissionDenied(gettext("you may not %(action)s") % {"action": str(spec.label).lower()})
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        if locked.status not in spec.sources:
            raise TransitionError(gettext("cannot %(action)s from “%(state)s”")
                                  % {"action": str(spec.label).lower(), "state": locked.get_status_display()})
        if override and not comment.strip():
            raise TransitionError(gettext("overriding the consistency checks needs a comment saying why"))
        if isinstance(locked, Summary) and spec.name == "publish":
            comment = _checked(locked, override=override, comment=comment)
        if isinstance(locked, Digest) and spec.name == "publish":
            _publish_entries(locked, user=user, comment=comment, leave_out=leave_out, override=override)
        [change] = transitions.state_change(objects=[locked], action=spec.name, target=spec.target,
                                            sources=spec.sources, user=user, comment=comment)
    for name in transitions.STATE_FIELDS:  # the caller's copy shows what was written
        setattr(obj, name, getattr(locked, name))
    return change


def assign(summaries, *, assignee, user) -> list[Change]:
    """Make ``assignee`` the reviewer these entries wait for (logged; ``assignee`` None unassigns)."""
    if user is not None and not user.has_perm("papers.change_summary"):
        raise PermissionDenied(gettext("you may not assign entries"))
    if assignee is not None and not (assignee.is_active and assignee.has_perm(TRANSITIONS["approve"].permission)):
        raise TransitionError(gettext("%(user)s may not review entries") % {"user": assignee})
    return transitions.summary_assign(summaries=summaries, assignee=assignee, user=user)


def digest_blockers(digest: Digest) -> list[Summary]:
    """Entries of the digest that are neither approved nor published."""
    return list(
        Summary.objects.filter(paper__digest_entries__digest=digest)
        .exclude(status__in=[S.APPROVED, S.PUBLISHED])
        .select_related("paper")
        .order_by("paper__digest_entries__position")
    )


def overridden(problems: list[Problem]) -> str:
    """The audit log's note of the findings a reviewer published despite."""
    return gettext("checks overridden: %(problems)s") % {"problems": "; ".join(map(str, problems))}


def _checked(summary: Summary, *, override: bool, comment: str) -> str:
    problems = check_summary(summary)
    if problems and not override:
        raise ChecksFailed({summary: problems})
    if problems:
        comment = f"{comment} [{overridden(problems)}]"
    return comment


def _publish_entries(digest: Digest, *, user, comment: str, leave_out: bool, override: bool) -> None:
    """A digest goes live with its approved entries; others block it unless left out.

    Approved entries that fail the consistency checks block it too, unless overridden.
    """
    blockers = digest_blockers(digest)
    if blockers and not leave_out:
        raise DigestBlocked(blockers)
    approved = list(
        Summary.objects.select_for_update().filter(paper__digest_entries__digest=digest, status=S.APPROVED)
        .select_related("paper")
    )
    failing = {s: p for s in approved if (p := check_summary(s))}
    if failing and not override:
        raise ChecksFailed(failing)
    note = gettext("published with digest %(digest)s") % {"digest": digest} + (f": {comment}" if comment else "")
    notes = {s.pk: f"{note} [{overridden(failing[s])}]" for s in failing}
    spec = TRANSITIONS["publish"]
    transitions.state_change(objects=approved, action=spec.name, target=spec.target, sources=spec.sources,
                             user=user, comment=note, comments=notes)


def publish_due(now=None) -> list[Change]:
    """Publish every approved entry and digest whose publish time has come (Celery beat)."""
    now = now or timezone.now()
    done = []
    for model in (Summary, Digest):
        for obj in model.objects.filter(status=S.APPROVED, publish_at__lte=now):
            try:
                done.append(transition(obj, "publish", user=None, comment=gettext("scheduled"), leave_out=True))
            except TransitionError:
                continue  # changed state meanwhile; the next run sees it
    return done
