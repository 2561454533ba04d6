"""``manage.py import_papers PATH|URL|- [...]``: bulk-import papers in any known format.

``--arxiv-range FROM TO`` back-fills a date range from arXiv's search API instead.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from papers import importers
from papers.services.batches import import_batches_mark_interrupted
from papers.services.fetching import arxiv_backfill
from papers.services.ingest import IngestOptions, import_sources


class Command(BaseCommand):
    help = (
        "Import papers from files, folders, URLs or standard input (-). Formats are detected: "
        + ", ".join(importers.FORMATS)
        + ". Exit status: 0 all records landed, 1 some failed (the rest were kept), 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="*", metavar="PATH|URL|-")
        parser.add_argument(
            "--arxiv-range", nargs=2, metavar=("FROM", "TO"), type=_date,
            help="back-fill every paper of the configured categories submitted FROM to TO (YYYY-MM-DD, inclusive) "
                 "from arXiv's search API, instead of reading files",
        )
        parser.add_argument("--categories", help="with --arxiv-range: these arXiv categories (default: ARXIV_CATEGORIES)")
        parser.add_argument("--format", choices=list(importers.FORMATS), help="skip detection and read as this format")
        parser.add_argument("--topic", help="put every imported paper (and Hexo digest) in this topic (slug or name)")
        parser.add_argument("--dry-run", action="store_true", help="parse and check everything, write nothing")
        parser.add_argument("--batch-size", type=int, default=settings.IMPORT_BATCH_SIZE, help="records per transaction")
        parser.add_argument(
            "--async", dest="run_async", action="store_true",
            help="queue the import on a Celery worker (fetch queue) instead of running it here",
        )
        parser.add_argument(
            "--publish", action="store_true",
            help="mark imported entries and digests published (for archives already reviewed elsewhere)",
        )

    def handle(self, *args, **opts):
        if opts["verbosity"] >= 2:  # why a batch the database rejected failed: its traceback
            logging.getLogger("papers.services.ingest").setLevel(logging.DEBUG)
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1", returncode=2)
        if opts["arxiv_range"]:
            if opts["targets"]:
                raise CommandError("give files or --arxiv-range, not both", returncode=2)
            start, end = opts["arxiv_range"]
            if end < start:
                raise CommandError(f"--arxiv-range ends ({end}) before it starts ({start})", returncode=2)
            categories = opts["categories"].replace(",", " ").split() if opts["categories"] else None
            batch = arxiv_backfill(start=start, end=end, categories=categories)
            self._report(batch)
            if batch.failed:
                sys.exit(1)
            return
        if not opts["targets"]:
            raise CommandError("nothing to import: give files, folders, URLs or -, or --arxiv-range FROM TO",
                               returncode=2)
        missing = [t for t in opts["targets"] if t != "-" and "://" not in t and not Path(t).exists()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(missing)}", returncode=2)
        options = IngestOptions(
            publish=opts["publish"], topic=opts["topic"], dry_run=opts["dry_run"], batch_size=opts["batch_size"]
        )
        if opts["run_async"]:
            from papers.tasks import import_sources_task

            targets = [t if t == "-" or "://" in t else str(Path(t).resolve()) for t in opts["targets"]]
            if "-" in targets:
                raise CommandError("--async cannot read standard input", returncode=2)
            result = import_sources_task.delay(targets, options.__dict__, opts["format"])
            self.stdout.write(f"queued import task {result.id}; follow it in the admin under Import batches")
            return
        for interrupted in import_batches_mark_interrupted():
            self.stdout.write(f"note: import batch #{interrupted.pk} was still marked running, but its process "
                              f"(pid {interrupted.pid or '?'} on {interrupted.host or '?'}) is gone: marked interrupted")
        with _Progress(self.stderr, interactive=sys.stderr.isatty()) as progress:
            batch = import_sources(
                opts["targets"], format=opts["format"], options=options, started_by="command",
                user_agent=settings.IMPORT_USER_AGENT, progress=progress,
            )
        self._report(batch)
        if batch.failed:
            sys.exit(1)

    def _report(self, batch) -> None:
        rows = [(f["file"], f["format"] or "-", f["created"], f["updated"], f["unchanged"], f["failed"]) for f in batch.files]
        rows.append(("total", "", batch.created, batch.updated, batch.unchanged, batch.failed))
        header = ("file", "format", "created", "updated", "unchanged", "failed")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

        def line(row):
            return "  ".join(str(v).ljust(w) if i < 2 else str(v).rjust(w) for i, (v, w) in enumerate(zip(row, widths)))

        self.stdout.write(line(header))
        for row in rows[:-1]:
            self.stdout.write(line(row))
        self.stdout.write(line(rows[-1]))
        for note in batch.errors.filter(level="note")[:50]:
            self.stdout.write(f"note: {note}")
        for error in batch.errors.filter(level="error")[:50]:
            self.stderr.write(f"error: {error}")
        more = batch.failed - 50
        if more > 0:
            self.stderr.write(f"… and {more} more errors: see import batch #{batch.pk} in the admin")
        prefix = "dry run, nothing written: " if batch.dry_run else ""
        self.stdout.write(f"{prefix}import batch #{batch.pk}: {batch.get_state_display()}")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a date (YYYY-MM-DD)") from None


class _Progress:
    """A tqdm bar on a terminal; plain progress lines for logs and pipes."""

    def __init__(self, stream, *, interactive: bool):
        self.stream, self.interactive = stream, interactive
        self.bar = None
        self.done = 0

    def __enter__(self):
        if self.interactive:
            self.bar = tqdm(unit=" records", file=sys.stderr, dynamic_ncols=True)
        return self

    def __call__(self, file: str, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.set_description(file[-40:], refresh=False)
            self.bar.update(count)
        else:  # one line per written batch (--batch-size records)
            self.stream.write(f"progress: {self.done} records ({file})")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False
