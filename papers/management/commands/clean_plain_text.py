"""``manage.py clean_plain_text [--dry-run]``: markup out of plain-text fields already stored."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from papers.services.plain_text import plain_text_clean


class Command(BaseCommand):
    help = ("Remove markup from the plain-text fields of stored papers, entries, authors, digests, topics and tags "
            "(titles, abstracts, names …), as imports now do. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")

    def handle(self, *args, **opts):
        counts = plain_text_clean(dry_run=opts["dry_run"])
        verb = "would clean" if opts["dry_run"] else "cleaned"
        self.stdout.write(", ".join(f"{verb} {count} {kind}" for kind, count in counts.items()))
