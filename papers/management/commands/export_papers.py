"""``manage.py export_papers [--output FILE]``: the whole desk as JSON Lines."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from papers.services.export import export_records


class Command(BaseCommand):
    help = "Export papers, summaries, digests, topics and tags as JSON Lines (read back by import_papers)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="write to FILE instead of standard output")

    def handle(self, *args, **opts):
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8") as out:
                count = self._write(out)
            self.stderr.write(f"exported {count} lines to {opts['output']}")
        else:
            self._write(self.stdout._out)

    @staticmethod
    def _write(out) -> int:
        count = 0
        for record in export_records():
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count
