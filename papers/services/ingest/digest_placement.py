"""Where a paper goes: its topic (through the alias table; a new category becomes a topic) and its digest entries."""
from __future__ import annotations

from django.utils.text import slugify

from papers.importers.records import DigestRef, TopicRecord
from papers.models import Digest, DigestEntry, Status, Topic, TopicAlias
from papers.services.ingest.bookkeeping import Context
from papers.services.ingest.states import States, initial_state


def topic_for(ctx: Context, name: str | None) -> Topic | None:
    """The topic a source's name means: an alias, a slug or a name; a name found nowhere becomes a topic."""
    if not name:
        return None
    key = name.strip().lower()
    if key not in ctx.topics:
        alias = TopicAlias.objects.filter(name__iexact=key).select_related("topic").first()
        topic = alias.topic if alias else (
            Topic.objects.filter(slug__iexact=key).first()
            or Topic.objects.filter(name_zh__iexact=key).first()
            or Topic.objects.filter(name_en__iexact=key).first()
        )
        if topic is None:  # a new category is a new topic, never dropped; listed so editors can point it elsewhere
            slug = slugify(name, allow_unicode=True) or "topic"
            topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name_zh": name.strip(), "name_en": name.strip()})
            TopicAlias.objects.get_or_create(name=name.strip()[:100], defaults={"topic": topic})
        ctx.topics[key] = topic
    return ctx.topics[key]


def topic_upsert(ctx: Context, item: TopicRecord) -> None:
    """A topic as an export describes it (its names and place), unless the import is a dry run."""
    if ctx.options.dry_run:
        return
    Topic.objects.update_or_create(
        slug=item.slug, defaults={"name_zh": item.name_zh, "name_en": item.name_en, "position": item.position}
    )


def _digest(ctx: Context, states: States, ref: DigestRef) -> tuple[Digest, bool]:
    topic = topic_for(ctx, ctx.options.topic if ctx.options.topic and ref.topic else ref.topic)
    key = (ref.date, topic.pk if topic else None)
    created = False
    if key not in ctx.digests:
        digest = Digest.objects.filter(date=ref.date, topic=topic).first()
        if digest is None:
            digest = Digest.objects.create(date=ref.date, topic=topic, title=ref.title, description=ref.description)
            if state := initial_state(ctx, ref.status):
                states.set(digest, state)
            created = True
        elif ctx.options.publish and digest.status != Status.PUBLISHED:
            states.set(digest, Status.PUBLISHED)
            created = True
        ctx.digests[key] = digest
    return ctx.digests[key], created


def digest_entry_upsert(ctx: Context, states: States, paper_id: int, ref: DigestRef) -> bool:
    """Put the paper at its place in the digest of the day and topic (made if missing); True if anything changed."""
    digest, changed = _digest(ctx, states, ref)
    entry = DigestEntry.objects.filter(digest=digest, paper_id=paper_id).first()
    if entry is None:
        DigestEntry.objects.create(digest=digest, paper_id=paper_id, position=ref.position)
        return True
    if entry.position != ref.position:
        entry.position = ref.position
        entry.save(update_fields=["position"])
        return True
    return changed
