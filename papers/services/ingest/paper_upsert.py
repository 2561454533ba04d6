"""Papers keyed on their arXiv id: new rows, newer versions, fields still empty, author lists and tags."""
from __future__ import annotations

from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import PaperRecord, author_slug
from papers.models import Authorship, Paper
from papers.services import bulk
from papers.services.ingest.bookkeeping import Context

PAPER_FIELDS = (
    "title", "abstract", "comments", "journal_ref", "doi", "license", "categories",
    "published", "updated", "code_url", "figures",
)


AUTHOR_CACHE_SIZE = 200_000  # author ids kept across batches (slug → id)


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
    slugs_of = [_author_slugs(r) for r in to_set]
    names: dict[str, str] = {}  # slug → name (of a person spelt two ways, the batch's last spelling)
    for record, slugs in zip(to_set, slugs_of):
        names.update(zip(slugs, record.authors))
    missing = names.keys() - known.keys()
    new_authors = bulk.store_authors({slug: names[slug] for slug in missing}, known) if missing else set()
    replaced = [papers[r.arxiv_id] for r in to_set if r.arxiv_id not in created]
    if replaced:
        Authorship.objects.filter(paper_id__in=replaced).delete()
    author_id = known.__getitem__
    # dict.fromkeys: the same person listed twice in one paper is linked once, in the first place.
    deletions = bulk.insert_authorships(
        [(papers[r.arxiv_id], list(map(author_id, dict.fromkeys(slugs)))) for r, slugs in zip(to_set, slugs_of)],
        new_papers=[papers[i] for i in created], new_authors=new_authors, deletions_seen=ctx.author_deletions,
    )
    if deletions != ctx.author_deletions:  # authors were deleted: ids kept from before may be gone
        known.clear()
        ctx.author_deletions = deletions
    return [r.arxiv_id for r in to_set]


def _author_slugs(record: PaperRecord | EncodedPaper) -> list[str]:
    """The record's author slugs: filled where it was parsed, or made here for one that was not."""
    if len(record.author_slugs) == len(record.authors):
        return record.author_slugs
    return [author_slug(name) for name in record.authors]


def add_tags(paper: Paper, tags: list[str]) -> bool:
    """Add the tags the paper lacks (by name, any case); never removes one an editor set."""
    have = {t.lower() for t in paper.tags.names()}
    missing = [t for t in tags if t.lower() not in have]
    if missing:
        paper.tags.add(*missing)
    return bool(missing)
