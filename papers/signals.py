"""Keep derived data in step with edits: the search vector, cached pages and the published counts.

Bulk writes bypass the model-signal handlers and call the same functions
once per batch instead: imports (papers.services.ingest) and state changes
(papers.services.transitions), which also send the two workflow signals
defined here.
"""
from __future__ import annotations

from itertools import chain, count

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver
from taggit.models import Tag

from papers.services import page_versions, published_counts, search_index
from papers.models import Author, Authorship, Digest, DigestEntry, Paper, Status, Summary, Topic

# Sent by papers.services.transitions inside the transaction of every state
# write, once per write, with all of its changes: sender is Summary or Digest,
# ``changes`` a list of ``transitions.Change``.  The desk records them here (its
# audit log and the entry history), in bulk; a receiver that raises rolls the
# write back.
state_written = Signal()

# Sent after the transaction commits, once per changed entry or digest.
# sender: Summary or Digest; kwargs: instance, action, from_state, to_state, user, comment.
state_changed = Signal()

# Shown now, or just withdrawn.  Drafts are on no public page and in no public search:
# they are indexed, and pages invalidated, when they go live.
PUBLIC_STATES = {Status.PUBLISHED, Status.UNPUBLISHED}

# Papers changed at once above which every cached page is made stale instead
# of the pages of each paper: one cache write instead of several per paper.
PRECISE_INVALIDATION_MAX = 100


def papers_tags(paper_ids) -> set[str]:
    """The cache tags of every page that shows one of these papers (four queries, however many)."""
    ids = list(paper_ids)
    tags = {"home", "digests", "search"}  # search: the feeds of searches, any of which may list these papers
    for arxiv_id, topic_slug in Paper.objects.filter(pk__in=ids).values_list("arxiv_id", "topic__slug"):
        tags.add(f"paper:{arxiv_id}")
        if topic_slug:
            tags.add(f"topic:{topic_slug}")
    tags |= {f"tag:{slug}" for slug in Paper.objects.filter(pk__in=ids, tags__isnull=False)
             .values_list("tags__slug", flat=True)}
    # order_by(): the models' default orderings would join more tables and defeat the DISTINCT.
    tags |= {f"author:{slug}" for slug in Authorship.objects.filter(paper_id__in=ids).order_by()
             .values_list("author__slug", flat=True).distinct()}
    tags |= {f"digest-date:{day.isoformat()}" for day in DigestEntry.objects.filter(paper_id__in=ids).order_by()
             .values_list("digest__date", flat=True).distinct()}
    return tags


def papers_changed(paper_ids) -> None:
    """Once the transaction commits: reindex these papers and make the pages that show them stale."""
    ids = list(paper_ids)
    if not ids:
        return

    def later():
        search_index.index_papers(ids)
        if len(ids) > PRECISE_INVALIDATION_MAX:
            page_versions.invalidate_everything()
        else:
            page_versions.invalidate(*sorted(papers_tags(ids)))

    transaction.on_commit(later)


def digests_changed(dates) -> None:
    """Once the transaction commits: make the pages that list these digests' days stale."""
    tags = ["home", "digests", *sorted({f"digest-date:{day.isoformat()}" for day in dates})]
    transaction.on_commit(lambda: page_versions.invalidate(*tags))


@receiver(post_save, sender=Summary)
@receiver(post_delete, sender=Summary)
def summary_changed(sender, instance: Summary, **kwargs):
    if instance.status in PUBLIC_STATES:
        papers_changed([instance.paper_id])


@receiver(post_save, sender=Paper)
def paper_changed(sender, instance: Paper, **kwargs):
    papers_changed([instance.pk])


@receiver(post_save, sender=Digest)
@receiver(post_delete, sender=Digest)
def digest_changed(sender, instance: Digest, **kwargs):
    digests_changed([instance.date])


@receiver(post_save, sender=DigestEntry)
@receiver(post_delete, sender=DigestEntry)
def digest_entry_changed(sender, instance: DigestEntry, **kwargs):
    papers_changed([instance.paper_id])


@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Author)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Topic)
@receiver(post_delete, sender=Author)
@receiver(post_delete, sender=Tag)
def name_shown_widely_changed(sender, instance, created: bool = False, raw: bool = False, **kwargs):
    """A topic, an author or a tag renamed, reordered or deleted: every cached page is made stale.

    A topic is in every page's menu, and an author or a tag beside each of
    their papers on pages of every kind; these are rare desk edits, where
    finding each page would cost a query per paper.  A new one is on no page
    until a paper lists it, which makes that paper's pages stale itself.
    """
    if not (created or raw):
        transaction.on_commit(page_versions.invalidate_everything)


# --- published counts (papers.services.published_counts) ------------------------------
# Publishing and withdrawing go through papers.services.transitions, which counts them; these
# hooks count what reaches a published paper another way.

@receiver(post_save, sender=Summary)
def summary_created_published(sender, instance: Summary, created: bool, raw: bool = False, **kwargs):
    """An entry created already published (a fixture, a restore) counts like one published later."""
    if created and not raw and instance.status == Status.PUBLISHED:
        published_counts.papers_published([instance.paper_id])


@receiver(pre_delete, sender=Summary)
def summary_deleted(sender, instance: Summary, **kwargs):
    """Before any row goes (a paper's deletion removes its tags and authorships too): its counts are read whole.

    The stored state decides, not the copy being deleted (it may be older than a publish).
    """
    if published_counts.published_among([instance.paper_id]):
        published_counts.papers_published([instance.paper_id], sign=-1)


@receiver(pre_save, sender=Paper)
def paper_topic_before(sender, instance: Paper, update_fields=None, raw: bool = False, **kwargs):
    if instance.pk is None or raw or (update_fields is not None and "topic" not in update_fields):
        return
    instance._stored_topic_id = Paper.objects.filter(pk=instance.pk).values_list("topic_id", flat=True).first()


@receiver(post_save, sender=Paper)
def paper_topic_after(sender, instance: Paper, **kwargs):
    before, after = instance.__dict__.pop("_stored_topic_id", instance.topic_id), instance.topic_id
    if before == after or not published_counts.published_among([instance.pk]):
        return
    delta = published_counts.Delta()
    if before is not None:
        delta[published_counts.TOPIC, before] -= 1
    if after is not None:
        delta[published_counts.TOPIC, after] += 1
    published_counts.add(delta)
    # The paper's pages under its new topic are made stale by papers_changed; the old topic's list still shows it.
    if before is not None and (old_topic := Topic.objects.filter(pk=before).values_list("slug", flat=True).first()):
        transaction.on_commit(lambda: page_versions.invalidate(f"topic:{old_topic}"))


@receiver(m2m_changed, sender=Paper.tags.through)
def paper_tags_changed(sender, instance, action: str, pk_set=None, **kwargs):
    """taggit's add, remove, set and clear on a paper: pk_set is the tags actually added or removed."""
    if not isinstance(instance, Paper) or action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        pk_set, action = set(instance.tags.values_list("pk", flat=True)), "post_remove"
    if pk_set and published_counts.published_among([instance.pk]):
        sign = 1 if action == "post_add" else -1
        published_counts.add({(published_counts.TAG, pk): sign for pk in pk_set})
        # The pages that show a paper's tags: its own and the lists of the tags added or taken off (a tag
        # taken off is no longer the paper's, so papers_tags would not find it). Tags are not searched.
        tags = [f"paper:{instance.arxiv_id}",
                *(f"tag:{slug}" for slug in Tag.objects.filter(pk__in=pk_set).values_list("slug", flat=True))]
        transaction.on_commit(lambda: page_versions.invalidate(*tags))


EMPTY_TAG_SLUG = "tag"


@receiver(pre_save, sender=Tag)
def tag_slug_never_empty(sender, instance: Tag, raw: bool = False, using=None, **kwargs):
    """A tag of punctuation only ("!!!", "#") slugifies to nothing, and a link to it cannot be made.

    Every page that shows such a tag failed (``/tag//`` is no URL).  taggit
    takes the slug from the name; an empty one becomes the first free of
    ``tag``, ``tag_1``, ``tag_2`` … here, as taggit numbers a taken slug.
    """
    if raw or instance.slug:
        return
    taken = set(sender._default_manager.using(using).filter(slug__startswith=EMPTY_TAG_SLUG)
                .values_list("slug", flat=True))
    candidates = chain([EMPTY_TAG_SLUG], (f"{EMPTY_TAG_SLUG}_{i}" for i in count(1)))
    instance.slug = next(slug for slug in candidates if slug not in taken)
