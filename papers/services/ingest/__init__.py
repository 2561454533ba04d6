"""The ingest service: normalized records in, upserted rows out.

Used by the ``import_papers`` command, the Celery fetch task and any admin
action alike.  The rules it keeps:

* Papers are keyed on the arXiv id: re-running an import changes nothing.
* A newer arXiv version updates a paper; an older one never downgrades it; a
  record of the same (or no) version only fills what is still empty, so two
  sources of the same paper never flip its fields back and forth.  The text a
  new version replaces is kept (``papers.services.versions``).
* Text an editor changed is never overwritten: a Summary field whose value
  differs from its Generation's (machine or source) text is kept, and the new
  source text is recorded as a new Generation beside it.
* Records are written in batches inside a transaction; if a batch fails, it is
  retried one record at a time, each in its own savepoint, so one bad record
  fails alone and nothing is left half-saved.

Where each part lives: ``run`` (files in, one ImportBatch out), ``batch`` (one
batch's transaction and its retry), ``paper_upsert`` (papers, authors, tags),
``summary_upsert`` (entries and their source text), ``digest_placement``
(topics, digests and their entries), ``states`` (the states an import sets,
through the transition service) and ``bookkeeping`` (counts, errors, progress).
"""
from papers.services.ingest.bookkeeping import FileStats, IngestOptions
from papers.services.ingest.run import import_file, import_sources

__all__ = ["FileStats", "IngestOptions", "import_file", "import_sources"]
