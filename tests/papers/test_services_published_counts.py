"""Published counts per topic, tag and author: kept by every write that changes them, repaired by the recount."""
from __future__ import annotations

import threading
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from taggit.models import Tag

from papers.models import Author, AuthorCount, Authorship, Paper, Status, Summary, TagCount, Topic, TopicCount
from papers.services import published_counts, transitions
from papers.services.ingest import IngestOptions, import_sources
from tests.factories import AuthorFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def stored() -> dict[tuple[str, str], int]:
    """The kept counts, by kind and slug (rows at zero left out)."""
    rows = [*(("topic", c.topic.slug, c.papers) for c in TopicCount.objects.select_related("topic")),
            *(("tag", c.tag.slug, c.papers) for c in TagCount.objects.select_related("tag")),
            *(("author", c.author.slug, c.papers) for c in AuthorCount.objects.select_related("author"))]
    return {(kind, slug): n for kind, slug, n in rows if n}


def counted() -> dict[tuple[str, str], int]:
    """The same counts from the published papers themselves, with the ORM (not the recount's SQL)."""
    truth = Counter()
    for paper in Paper.objects.published().prefetch_related("tags", "authors").select_related("topic"):
        if paper.topic:
            truth["topic", paper.topic.slug] += 1
        truth.update(("tag", tag.slug) for tag in paper.tags.all())
        truth.update(("author", slug) for slug in {author.slug for author in paper.authors.all()})
    return dict(truth)


def draft(**paper) -> Summary:
    return SummaryFactory(paper=PaperFactory(**paper))


def publish(*entries: Summary) -> None:
    transitions.state_change(objects=entries, action="publish", target=Status.PUBLISHED)


def withdraw(*entries: Summary) -> None:
    transitions.state_change(objects=entries, action="unpublish", target=Status.UNPUBLISHED)


@pytest.fixture
def two_entries():
    ada, bo = AuthorFactory(name="Ada Lovelace"), AuthorFactory(name="Bo Zhang")
    first = draft(authors=[ada, bo], tags=["agents", "rlhf"], sample={"topic": "agent", **_sample(0)})
    second = draft(authors=[ada], tags=["agents"], sample={"topic": "rag", **_sample(1)})
    return first, second


def _sample(n):
    from tests.factories import SAMPLES

    return {k: v for k, v in SAMPLES[n].items() if k != "topic"}


def test_publishing_withdrawing_and_publishing_again_move_every_count(two_entries):
    first, second = two_entries
    assert stored() == {} == counted()  # drafts count nowhere
    publish(first)
    assert stored() == counted() == {("topic", "agent"): 1, ("tag", "agents"): 1, ("tag", "rlhf"): 1,
                                     ("author", "ada-lovelace"): 1, ("author", "bo-zhang"): 1}
    publish(second)
    assert stored() == counted()
    assert stored()["tag", "agents"] == stored()["author", "ada-lovelace"] == 2
    withdraw(first)
    assert stored() == counted() == {("topic", "rag"): 1, ("tag", "agents"): 1, ("author", "ada-lovelace"): 1}
    transitions.state_change(objects=[first], action="publish", target=Status.PUBLISHED)  # again, from unpublished
    assert stored() == counted() and stored()["tag", "agents"] == 2
    # A change between two unpublished states, or a published entry published again, moves nothing.
    transitions.state_change(objects=[second], action="publish", target=Status.PUBLISHED)
    assert stored()["tag", "agents"] == 2


def test_a_failed_transition_counts_nothing(two_entries):
    first, second = two_entries
    publish(first)
    with pytest.raises(transitions.StateError):
        transitions.state_change(objects=[first, second], action="publish", target=Status.PUBLISHED,
                                 sources={Status.DRAFT})
    assert stored() == counted()


def test_tag_edits_of_a_published_entry_are_counted(two_entries):
    first, second = two_entries
    publish(first)
    paper = first.paper
    paper.tags.add("retrieval", "agents")  # agents it has already
    assert stored() == counted() and stored()["tag", "retrieval"] == 1 and stored()["tag", "agents"] == 1
    paper.tags.remove("rlhf")
    assert stored() == counted() and ("tag", "rlhf") not in stored()
    paper.tags.set(["agents", "safety"])
    assert stored() == counted() and {slug for kind, slug in stored() if kind == "tag"} == {"agents", "safety"}
    paper.tags.clear()
    assert stored() == counted() and not [key for key in stored() if key[0] == "tag"]
    second.paper.tags.add("retrieval")  # a draft's tags count nowhere
    assert stored() == counted()


def test_topic_changes_of_a_published_paper_are_counted(two_entries):
    first, second = two_entries
    publish(first)
    paper = Paper.objects.get(pk=first.paper_id)
    paper.topic = Topic.objects.get(slug="rag")
    paper.save()
    assert stored() == counted() == {**{k: v for k, v in stored().items() if k[0] != "topic"}, ("topic", "rag"): 1}
    paper.topic = None
    paper.save()
    assert stored() == counted() and not [key for key in stored() if key[0] == "topic"]
    paper.topic = Topic.objects.get(slug="agent")
    paper.save(update_fields=["topic"])
    second.paper.topic = Topic.objects.get(slug="llm")  # a draft
    second.paper.save()
    assert stored() == counted() and stored()["topic", "agent"] == 1


def test_deleting_a_published_entry_or_its_paper_takes_its_counts_away(two_entries):
    first, second = two_entries
    publish(first, second)
    Summary.objects.get(pk=first.pk).delete()
    assert stored() == counted() == {("topic", "rag"): 1, ("tag", "agents"): 1, ("author", "ada-lovelace"): 1}
    Paper.objects.filter(pk=second.paper_id).delete()  # the entry, tags and authorships go with it
    assert stored() == counted() == {}
    draft(tags=["agents"]).paper.delete()
    assert stored() == {}


def test_an_entry_created_published_is_counted():
    SummaryFactory(published=True, paper=PaperFactory(authors=["Ada Lovelace"], tags=["agents"]))
    assert stored() == counted() and stored()["tag", "agents"] == 1


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2402.19474v{version}</id>
    <updated>2024-03-0{version}T17:59:58Z</updated>
    <published>2024-02-29T18:59:17Z</published>
    <title>The All-Seeing Project V2</title>
    <summary>We present the All-Seeing Project V2.</summary>
    <author><name>Weiyun Wang</name></author>
    <author><name>{second}</name></author>
    <arxiv:primary_category term="cs.CV"/>
    <category term="cs.CV"/>
  </entry>
</feed>
"""


def test_an_import_that_publishes_counts_what_it_published(seed_digest, seed_hexo):
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    assert stored() == counted() and len(stored()) > 50  # 42 papers: topics, a tag, their authors


def test_an_import_that_rewrites_a_published_papers_authors_and_topic_is_counted(tmp_path):
    paper = PaperFactory(arxiv_id="2402.19474", version=1, authors=["Weiyun Wang", "Yiming Ren"], tags=["vision"],
                         sample={"topic": "agent", **_sample(0)})
    publish(SummaryFactory(paper=paper))
    assert stored() == counted() == {("topic", "agent"): 1, ("tag", "vision"): 1, ("author", "weiyun-wang"): 1,
                                     ("author", "yiming-ren"): 1}
    # A new arXiv version with another author list, imported into another topic: the published paper moves.
    path = tmp_path / "v2.xml"
    path.write_text(ATOM.format(version=2, second="Zhe Chen"), encoding="utf-8")
    batch = import_sources([str(path)], options=IngestOptions(topic="rag"))
    assert (batch.updated, batch.failed) == (1, 0)
    assert stored() == counted() == {("topic", "rag"): 1, ("tag", "vision"): 1, ("author", "weiyun-wang"): 1,
                                     ("author", "zhe-chen"): 1}


def test_the_recount_repairs_broken_counts(two_entries):
    first, second = two_entries
    publish(first, second)
    good = stored()
    TagCount.objects.filter(tag__slug="agents").update(papers=99)  # drifted
    AuthorCount.objects.filter(author__slug="bo-zhang").delete()  # lost
    TopicCount.objects.create(topic=Topic.objects.get(slug="llm"), papers=3)  # never true
    assert stored() != good
    assert published_counts.recount() == {"topic": 1, "tag": 1, "author": 1}
    assert stored() == good == counted()
    assert published_counts.recount() == {"topic": 0, "tag": 0, "author": 0}
    out = StringIO()
    TagCount.objects.filter(tag__slug="rlhf").update(papers=0)
    call_command("recount_published", stdout=out)
    assert out.getvalue().strip() == "fixed 0 topic counts, 1 tag counts, 0 author counts"
    assert stored() == good


def test_the_recount_fills_counts_written_around_the_hooks():
    """Rows written with SQL (a restore, the bench's data) are counted by the recount alone."""
    paper = PaperFactory(authors=["Ada Lovelace"], tags=["agents"])
    Summary.objects.bulk_create([Summary(paper=paper, status=Status.PUBLISHED)])  # no signal
    assert stored() == {}
    published_counts.recount()
    assert stored() == counted() == {("topic", paper.topic.slug): 1, ("tag", "agents"): 1, ("author", "ada-lovelace"): 1}


def test_a_deferred_block_writes_once_at_its_end_and_nothing_if_it_fails(two_entries):
    first, second = two_entries
    with published_counts.deferred():
        publish(first)
        assert stored() == {}
    assert stored() == counted()
    with pytest.raises(RuntimeError), transaction.atomic(), published_counts.deferred():
        publish(second)
        raise RuntimeError
    assert stored() == counted()


def test_a_count_for_a_row_that_is_gone_is_skipped():
    tag = Tag.objects.create(name="gone", slug="gone")
    author = Author.objects.create(name="Gone", slug="gone")
    gone = {("tag", tag.pk): 1, ("author", author.pk): 1}
    tag.delete(), author.delete()
    published_counts.add(gone)  # a publish never fails for a count
    assert not TagCount.objects.exists() and not AuthorCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_add_up(two_entries):
    """Two transactions publish entries sharing a tag and an author: the second waits for the first's rows, then adds."""
    first, second = two_entries
    errors = []

    def publish_second():
        try:
            publish(Summary.objects.get(pk=second.pk))
        except Exception as exc:  # noqa: BLE001 — reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        publish(first)  # its count rows stay locked until this commits
        other = threading.Thread(target=publish_second)
        other.start()
        _wait_for_a_lock_wait(other, errors)
    other.join(timeout=30)
    assert not other.is_alive() and errors == []
    assert stored() == counted()
    assert stored()["tag", "agents"] == stored()["author", "ada-lovelace"] == 2


def _wait_for_a_lock_wait(other: threading.Thread, errors: list, timeout: float = 20.0) -> None:
    """Until another connection to this database waits for a row lock (the second publish on the first's rows)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and other.is_alive():
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # read anew: a transaction keeps its first view
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"the second publish never waited for the first (errors: {errors})")
