"""Papers keyed on their arXiv id: new rows, newer versions, fields still empty, author lists and tags."""
from __future__ import annotations

from itertools import chain

from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import PaperRecord, author_slug
from papers.models import Authorship, Paper
from papers.services import bulk
from papers.services.ingest.bookkeeping import Context

PAPER_FIELDS = (
    "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
    "published", "updated", "code_url", "figures",
)


AUTHOR_CACHE_SIZE = 200_000  # author ids kept across batches (name → id)


def merge_paper(paper: Paper, record: PaperRecord) -> set[str]:
    """Apply a record to a paper: a newer version replaces, any other only fills what is empty; the fields changed."""
    newer = record.version is not None and (paper.version is None or record.version > paper.version)
    if record.version is not None and paper.version is not None and record.version < paper.version:
        return set()  # an older version never downgrades the paper
    changed = set()
    if newer:
        paper.version = record.version
        changed.add("version")
    for name in PAPER_FIELDS:
        value = getattr(record, name)
        if value and (newer or not getattr(paper, name)) and getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.add(name)
    if "categories" in changed:
        paper.primary_category = paper.categories[0] if paper.categories else ""
        changed.add("primary_category")
    return changed


def write_authors(ctx: Context, papers: dict[str, int], records: list[PaperRecord | EncodedPaper], fresh: set[str],
                  created: set[str]) -> list[str]:
    """Author lists for new papers, newer versions, and papers that had none.

    ``fresh`` holds the ids created or moved to a newer version in this batch,
    ``created`` the ids created.  Returns the ids whose authors were set.
    """
    wanted = [r for r in records if r.authors]
    if not wanted:
        return []
    maybe_empty = [papers[r.arxiv_id] for r in wanted if r.arxiv_id not in fresh]
    has_authors = set(
        Authorship.objects.filter(paper_id__in=maybe_empty).values_list("paper_id", flat=True).distinct()
    ) if maybe_empty else set()
    to_set = [r for r in wanted if r.arxiv_id in fresh or papers[r.arxiv_id] not in has_authors]
    if not to_set:
        return []
    known = ctx.author_ids
    if len(known) > AUTHOR_CACHE_SIZE:  # memory stays flat however many authors a snapshot has
        known.clear()
    if ctx.author_deletions is None:  # before any id is read: the ids read after it are checked against it
        ctx.author_deletions = bulk.author_deletions()
    # Known by name: the slug (what makes two spellings one person) is made only for a name not seen before.
    unknown = [name for name in dict.fromkeys(chain.from_iterable(r.authors for r in to_set)) if name not in known]
    new_authors: set[int] = set()
    if unknown:
        slugs = {name: author_slug(name) for name in unknown}
        names: dict[str, str] = {}  # slug → name: a person spelt two ways is stored as first seen, as across batches
        for name, slug in slugs.items():
            names.setdefault(slug, name)
        by_slug: dict[str, int] = {}
        new_authors = bulk.store_authors(names, by_slug)
        known.update((name, by_slug[slug]) for name, slug in slugs.items())
    replaced = [papers[r.arxiv_id] for r in to_set if r.arxiv_id not in created]
    if replaced:
        Authorship.objects.filter(paper_id__in=replaced).delete()
    author_id = known.__getitem__
    # dict.fromkeys: the same person listed twice in one paper (under any spelling) is linked once, in the first place.
    deletions = bulk.insert_authorships(
        [(papers[r.arxiv_id], list(dict.fromkeys(map(author_id, r.authors)))) for r in to_set],
        new_papers=[papers[i] for i in created], new_authors=new_authors, deletions_seen=ctx.author_deletions,
    )
    if deletions != ctx.author_deletions:  # authors were deleted: ids kept from before may be gone
        known.clear()
        ctx.author_deletions = deletions
    return [r.arxiv_id for r in to_set]


def add_tags(paper: Paper, tags: list[str]) -> bool:
    """Add the tags the paper lacks (by name, any case); never removes one an editor set."""
    have = {t.lower() for t in paper.tags.names()}
    missing = [t for t in tags if t.lower() not in have]
    if missing:
        paper.tags.add(*missing)
    return bool(missing)
