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
    wanted = {r.arxiv_id: r.authors for r in records if r.authors}
    if not wanted:
        return []
    maybe_empty = [papers[i] for i in wanted if i not in fresh]
    has_authors = set(
        Authorship.objects.filter(paper_id__in=maybe_empty).values_list("paper_id", flat=True).distinct()
    ) if maybe_empty else set()
    to_set = {i: names for i, names in wanted.items() if i in fresh or papers[i] not in has_authors}
    if not to_set:
        return []
    by_id = {r.arxiv_id: r for r in records}
    known = ctx.author_ids
    if len(known) > AUTHOR_CACHE_SIZE:  # memory stays flat however many authors a snapshot has
        known.clear()
    slugs_of = {i: _author_slugs(by_id[i]) for i in to_set}
    missing = {slug: name for i in to_set for name, slug in zip(by_id[i].authors, slugs_of[i]) if slug not in known}
    new_authors = bulk.store_authors(missing, known) if missing else set()
    replaced = [papers[i] for i in to_set if i not in created]
    if replaced:
        Authorship.objects.filter(paper_id__in=replaced).delete()
    rows = []
    for arxiv_id in to_set:
        paper_id, slugs = papers[arxiv_id], slugs_of[arxiv_id]
        if len(set(slugs)) == len(slugs):
            rows += [(paper_id, known[slug], position) for position, slug in enumerate(slugs)]
            continue
        listed = set()  # the same person listed twice in one paper: the first place counts
        for position, slug in enumerate(slugs):
            if slug not in listed:
                listed.add(slug)
                rows.append((paper_id, known[slug], position))
    bulk.insert_authorships(rows, new_papers=[papers[i] for i in created], new_authors=new_authors)
    return list(to_set)


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
