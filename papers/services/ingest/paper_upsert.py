"""Papers keyed on their arXiv id: new rows, newer versions, fields still empty, author lists and tags."""
from __future__ import annotations

from itertools import chain, groupby
from operator import attrgetter

from papers.importers.author_numbers import AuthorTable, unpack
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
    wanted = [r for r in records if (r.people if isinstance(r, EncodedPaper) else r.authors)]
    if not wanted:
        return []
    maybe_empty = [papers[r.arxiv_id] for r in wanted if r.arxiv_id not in fresh]
    has_authors = set(
        Authorship.objects.filter(paper_id__in=maybe_empty).values_list("paper_id", flat=True).distinct()
    ) if maybe_empty else set()
    to_set = [r for r in wanted if r.arxiv_id in fresh or papers[r.arxiv_id] not in has_authors]
    if not to_set:
        return []
    if ctx.author_deletions is None:  # before any id is read: the ids read after it are checked against it
        ctx.author_deletions = bulk.author_deletions()
    inserted: set[int] = set()
    author_lists = [
        *_numbered_lists(ctx, papers, [r for r in to_set if isinstance(r, EncodedPaper)], inserted),
        *_named_lists(ctx, papers, [r for r in to_set if not isinstance(r, EncodedPaper)], inserted),
    ]
    replaced = [papers[r.arxiv_id] for r in to_set if r.arxiv_id not in created]
    if replaced:
        Authorship.objects.filter(paper_id__in=replaced).delete()
    deletions = bulk.insert_authorships(
        author_lists, new_papers=[papers[i] for i in created], new_authors=inserted,
        deletions_seen=ctx.author_deletions,
    )
    if deletions != ctx.author_deletions:  # authors were deleted: ids kept from before may be gone
        ctx.forget_author_ids()
        ctx.author_deletions = deletions
    return [r.arxiv_id for r in to_set]


def _numbered_lists(ctx: Context, papers: dict[str, int], records: list[EncodedPaper],
                    inserted: set[int]) -> list[tuple[int, list[int]]]:
    """(paper id, author ids) of papers whose authors came as numbers: a list lookup per author."""
    lists = []
    for table, group in groupby(records, key=attrgetter("table")):  # a batch may span a new numbering
        numbered = [(papers[r.arxiv_id], unpack(r.people)) for r in group]
        ids = _ids_of_numbers(ctx, table, set(chain.from_iterable(numbers for _, numbers in numbered)), inserted)
        lists += [(paper, list(map(ids.__getitem__, numbers))) for paper, numbers in numbered]
    return lists


def _ids_of_numbers(ctx: Context, table: AuthorTable, numbers: set[int], inserted: set[int]) -> list[int | None]:
    """Author ids by number in ``table``, those of ``numbers`` looked up or stored where not known yet.

    Kept across batches.  Only the numbers asked for are looked up: the
    people of a paper that failed, or of one that updates a stored paper, are
    not stored on its account.
    """
    if ctx.numbered_ids is None or ctx.numbered_ids[0] is not table:
        ctx.numbered_ids = (table, [])
    ids = ctx.numbered_ids[1]
    ids.extend([None] * (len(table.slugs) - len(ids)))  # the table grows as the parsing process sends people
    missing = [number for number in numbers if ids[number] is None]
    if missing:
        slugs = [table.slugs[number] for number in missing]
        by_slug: dict[str, int] = {}
        inserted |= bulk.store_authors({slug: table.names[number] for slug, number in zip(slugs, missing)}, by_slug)
        for number, slug in zip(missing, slugs):
            ids[number] = by_slug[slug]
    return ids


def _named_lists(ctx: Context, papers: dict[str, int], records: list[PaperRecord],
                 inserted: set[int]) -> list[tuple[int, list[int]]]:
    """(paper id, author ids) of papers whose authors came by name."""
    if not records:
        return []
    known = ctx.author_ids
    if len(known) > AUTHOR_CACHE_SIZE:  # memory stays flat however many authors a snapshot has
        known.clear()
    # Known by name: the slug (what makes two spellings one person) is made only for a name not seen before.
    unknown = [name for name in dict.fromkeys(chain.from_iterable(r.authors for r in records)) if name not in known]
    if unknown:
        slugs = {name: author_slug(name) for name in unknown}
        names: dict[str, str] = {}  # slug → name: a person spelt two ways is stored as first seen, as across batches
        for name, slug in slugs.items():
            names.setdefault(slug, name)
        by_slug: dict[str, int] = {}
        inserted |= bulk.store_authors(names, by_slug)
        known.update((name, by_slug[slug]) for name, slug in slugs.items())
    author_id = known.__getitem__
    # dict.fromkeys: the same person listed twice in one paper (under any spelling) is linked once, in the first place.
    return [(papers[r.arxiv_id], list(dict.fromkeys(map(author_id, r.authors)))) for r in records]


def add_tags(paper: Paper, tags: list[str]) -> bool:
    """Add the tags the paper lacks (by name, any case); never removes one an editor set."""
    have = {t.lower() for t in paper.tags.names()}
    missing = [t for t in tags if t.lower() not in have]
    if missing:
        paper.tags.add(*missing)
    return bool(missing)
