"""State writes: one bulk UPDATE, an audit entry and a revision per row, signals, public pages refreshed."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial.models import AuditEntry
from papers.services import page_versions
from papers.models import Author, Authorship, Digest, DigestEntry, Paper, Status, Summary
from papers.services import transitions
from papers.signals import PRECISE_INVALIDATION_MAX, state_changed

pytestmark = pytest.mark.django_db
BATCH = 2000  # rows per bulk_create here: PostgreSQL binds at most 65,535 parameters a statement


def entries(n: int, *, start: int = 0, status: str = Status.DRAFT) -> list[Summary]:
    papers = Paper.objects.bulk_create(
        [Paper(arxiv_id=f"2401.{i:05d}", title=f"Paper {i}") for i in range(start, start + n)], batch_size=BATCH
    )
    return Summary.objects.bulk_create([Summary(paper=p, status=status) for p in papers], batch_size=BATCH)


def tag_version(tag: str) -> int:
    return cache.get(f"tagv:{tag}", 0)


def test_publish_writes_state_audit_revision_and_signal(django_capture_on_commit_callbacks):
    reviewer = User.objects.create_user("reviewer")
    summaries = entries(3, status=Status.APPROVED)
    heard = []
    state_changed.connect(lambda sender, **kw: heard.append((sender, kw["instance"].pk, kw["action"], kw["to_state"])),
                          weak=False, dispatch_uid="test-transitions")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            changes = transitions.state_change(objects=summaries, action="publish", target=Status.PUBLISHED,
                                               sources={Status.APPROVED}, user=reviewer, comment="ready",
                                               comments={summaries[0].pk: "first one"})
            assert heard == []  # only once the transaction commits
    finally:
        state_changed.disconnect(dispatch_uid="test-transitions")

    stored = {s.pk: s for s in Summary.objects.all()}
    assert {s.status for s in stored.values()} == {Status.PUBLISHED}
    assert all(s.published_at is not None and s.publish_at is None for s in stored.values())
    assert all(s.status == Status.PUBLISHED and s.published_at for s in summaries)  # the callers' copies too
    assert [(c.instance.pk, c.from_state, c.to_state, c.comment) for c in changes] == [
        (summaries[0].pk, "approved", "published", "first one"),
        (summaries[1].pk, "approved", "published", "ready"),
        (summaries[2].pk, "approved", "published", "ready"),
    ]
    audit = AuditEntry.objects.order_by("summary_id").values_list("summary_id", "action", "from_state", "to_state",
                                                                   "user__username", "comment")
    assert list(audit) == [(s.pk, "publish", "approved", "published", "reviewer", c.comment)
                           for s, c in zip(summaries, changes)]
    revision = summaries[1].history.first()
    assert (revision.status, revision.history_type, revision.history_change_reason, revision.history_user) == (
        "published", "~", "publish: ready", reviewer)
    assert heard == [(Summary, s.pk, "publish", "published") for s in summaries]


def test_a_row_in_another_state_stops_the_whole_change():
    approved, draft = entries(2, status=Status.APPROVED)
    Summary.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    with pytest.raises(transitions.StateError, match="is “draft”"):
        transitions.state_change(objects=[approved, draft], action="publish", target=Status.PUBLISHED,
                                 sources={Status.APPROVED})
    assert set(Summary.objects.values_list("status", flat=True)) == {Status.APPROVED, Status.DRAFT}
    assert Summary.objects.get(pk=approved.pk).status == Status.APPROVED
    assert not AuditEntry.objects.exists()


def test_the_stored_state_counts_not_the_callers_copy():
    [summary] = entries(1, status=Status.APPROVED)
    Summary.objects.filter(pk=summary.pk).update(status=Status.PUBLISHED)  # someone else, meanwhile
    with pytest.raises(transitions.StateError, match="is “published”"):
        transitions.state_change(objects=[summary], action="publish", target=Status.PUBLISHED,
                                 sources={Status.APPROVED})


def test_unknown_states_and_mixed_models_are_refused():
    [summary] = entries(1)
    with pytest.raises(ValueError):
        transitions.state_change(objects=[summary], action="publish", target="live")
    digest = Digest.objects.create(date=dt.date(2024, 2, 29))
    with pytest.raises(TypeError):
        transitions.state_change(objects=[summary, digest], action="publish", target=Status.PUBLISHED)


def test_publishing_refreshes_the_pages_that_show_the_papers(django_capture_on_commit_callbacks):
    summaries = entries(2, status=Status.APPROVED)
    digest = Digest.objects.create(date=dt.date(2024, 2, 29))
    DigestEntry.objects.create(digest=digest, paper=summaries[0].paper, position=1)
    Authorship.objects.create(paper=summaries[1].paper, author=Author.objects.create(name="Ada L", slug="ada-l"),
                              position=0)
    summaries[1].paper.tags.add("RAG")
    shown = ("paper:2401.00000", "paper:2401.00001", "digest-date:2024-02-29", "author:ada-l", "tag:rag", "home")
    before = {tag: tag_version(tag) for tag in (*shown, "paper:2401.00002", page_versions.SITE_TAG)}
    with django_capture_on_commit_callbacks(execute=True):
        transitions.state_change(objects=summaries, action="publish", target=Status.PUBLISHED)
    after = {tag: tag_version(tag) for tag in before}
    assert {tag for tag in before if after[tag] > before[tag]} == set(shown)
    assert Paper.objects.filter(search_vector__isnull=False).count() == 2  # indexed for public search


def test_drafts_moving_between_private_states_leave_the_pages_alone(django_capture_on_commit_callbacks):
    summaries = entries(2)
    before = tag_version("paper:2401.00000"), tag_version("home")
    with django_capture_on_commit_callbacks(execute=True):
        transitions.state_change(objects=summaries, action="submit", target=Status.IN_REVIEW)
    assert (tag_version("paper:2401.00000"), tag_version("home")) == before


def test_a_large_change_makes_every_page_stale_at_once(django_capture_on_commit_callbacks):
    summaries = entries(PRECISE_INVALIDATION_MAX + 1)
    page_versions.invalidate_everything()  # the site's version exists: one more bump adds exactly one
    site = tag_version(page_versions.SITE_TAG)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.state_change(objects=summaries, action="publish", target=Status.PUBLISHED)
    assert tag_version(page_versions.SITE_TAG) == site + 1
    assert tag_version("paper:2401.00000") == 0  # no per-paper bumps


def bulk_publish_queries(n: int, start: int, capture) -> list[str]:
    summaries = entries(n, start=start)
    ContentType.objects.get_for_model(Paper)  # cached once per process (taggit's lookups need it): not counted
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        transitions.state_change(objects=summaries, action="publish", target=Status.PUBLISHED, comment="bulk")
    assert Summary.objects.filter(pk__in=[s.pk for s in summaries], status=Status.PUBLISHED).count() == n
    return [q["sql"] for q in queries.captured_queries]


def test_bulk_publish_query_count_does_not_grow_with_entries(django_capture_on_commit_callbacks):
    few = bulk_publish_queries(10, 0, django_capture_on_commit_callbacks)
    many = bulk_publish_queries(1000, 10, django_capture_on_commit_callbacks)
    # Audit entries and revisions included (bulk inserts), one read of the entries' last published
    # revisions (editorial.corrections) and one of what the papers add to the published counts (these
    # have no topic, tag or author to write); the larger change skips per-paper cache tags.
    assert len(few) <= 14, few
    assert len(many) <= len(few), many
    assert AuditEntry.objects.filter(action="publish").count() == 1010
    assert Summary.history.filter(status=Status.PUBLISHED).count() == 1010


@pytest.mark.slow
def test_bulk_publish_of_ten_thousand_entries(django_capture_on_commit_callbacks):
    queries = bulk_publish_queries(10_000, 0, django_capture_on_commit_callbacks)
    # A handful of statements: inserts go in batches of thousands of rows, never one per entry.
    assert len(queries) <= 16, [q[:80] for q in queries]
    assert AuditEntry.objects.filter(action="publish", to_state="published").count() == 10_000
    assert Summary.history.filter(status=Status.PUBLISHED).count() == 10_000


def test_assignment_is_logged_and_keeps_the_state():
    boss, reviewer = User.objects.create_user("boss"), User.objects.create_user("reviewer")
    summaries = entries(2, status=Status.IN_REVIEW)
    changes = transitions.summary_assign(summaries=summaries, assignee=reviewer, user=boss)
    assert set(Summary.objects.values_list("assignee__username", "status")) == {("reviewer", "in_review")}
    assert [(c.action, c.from_state, c.to_state, c.comment) for c in changes] == [
        ("assign", "in_review", "in_review", "assigned to reviewer")] * 2
    assert set(AuditEntry.objects.values_list("action", "user__username", "comment")) == {
        ("assign", "boss", "assigned to reviewer")}
    transitions.summary_assign(summaries=summaries[:1], assignee=None, user=boss)
    assert Summary.objects.get(pk=summaries[0].pk).assignee is None
    assert AuditEntry.objects.filter(comment="unassigned").count() == 1
