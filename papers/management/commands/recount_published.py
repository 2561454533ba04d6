"""``manage.py recount_published``: every topic's, tag's and author's published papers counted again."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from papers.services.published_counts import recount


class Command(BaseCommand):
    help = ("Count the published papers of every topic, tag and author again and fix the stored counts the index "
            "pages show (the scheduler does it every night). Safe to run at any time, also while editors publish.")

    def handle(self, *args, **opts):
        fixed = recount()
        self.stdout.write("fixed " + ", ".join(f"{count} {kind} counts" for kind, count in fixed.items()))
