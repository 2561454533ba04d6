"""Keep derived data in step with edits: the search vector and cached pages.

Bulk writes (imports) bypass these handlers and call the same functions
once per batch instead (papers.services.ingest).
"""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from papers import caching, search
from papers.models import Digest, DigestEntry, Paper, Status, Summary


def paper_tags(paper: Paper) -> list[str]:
    """The cache tags of every page that shows this paper."""
    tags = [f"paper:{paper.arxiv_id}", "home", "digests"]
    if paper.topic_id:
        tags.append(f"topic:{paper.topic.slug}")
    tags += [f"tag:{slug}" for slug in paper.tags.values_list("slug", flat=True)]
    tags += [f"author:{slug}" for slug in paper.authorships.values_list("author__slug", flat=True)]
    tags += [f"digest-date:{d.isoformat()}" for d in paper.digests.values_list("date", flat=True)]
    return tags


# Shown now, or just withdrawn.  Drafts are on no public page and in no public search:
# they are indexed, and pages invalidated, when they go live.
PUBLIC_STATES = {Status.PUBLISHED, Status.UNPUBLISHED}


def _paper_changed(paper_id: int, *, visible: bool = True) -> None:
    if not visible:
        return

    def later():
        paper = Paper.objects.filter(pk=paper_id).select_related("topic").first()
        if paper is not None:
            search.index_papers([paper.pk])
            caching.invalidate(*paper_tags(paper))

    transaction.on_commit(later)


@receiver(post_save, sender=Summary)
@receiver(post_delete, sender=Summary)
def summary_changed(sender, instance: Summary, **kwargs):
    _paper_changed(instance.paper_id, visible=instance.status in PUBLIC_STATES)


@receiver(post_save, sender=Paper)
def paper_changed(sender, instance: Paper, **kwargs):
    _paper_changed(instance.pk)


@receiver(post_save, sender=Digest)
@receiver(post_delete, sender=Digest)
def digest_changed(sender, instance: Digest, **kwargs):
    tags = ["home", "digests", f"digest-date:{instance.date.isoformat()}"]
    transaction.on_commit(lambda: caching.invalidate(*tags))


@receiver(post_save, sender=DigestEntry)
@receiver(post_delete, sender=DigestEntry)
def digest_entry_changed(sender, instance: DigestEntry, **kwargs):
    _paper_changed(instance.paper_id)
