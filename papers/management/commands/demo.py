"""``manage.py demo``: a published day for readers, a day of machine drafts for the desk, and three logins."""
from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from papers.services.demo import demo_setup


class Command(BaseCommand):
    help = ("Set up the demo (idempotent): one seed day published, the other imported as machine drafts for "
            "review, and logins for an admin, an editor and a reviewer (new passwords each run).")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="the admin's username")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        result = demo_setup(admin_username=opts["username"])
        for label, batch in (("published day", result.published), ("draft day", result.drafts)):
            self.stdout.write(
                f"{label}: {batch.created} created, {batch.updated} updated, {batch.unchanged} unchanged, "
                f"{batch.failed} failed (import batch #{batch.pk})"
            )
        for digest in result.draft_digests:
            topic = digest.topic.slug if digest.topic else "all topics"
            self.stdout.write(f"to review: the digest of {digest.date:%Y-%m-%d} ({topic}, {digest.status}), "
                              f"{digest.entries.count()} entries; {result.summarized} drafted by the offline "
                              "summarizer this run")
        for role, username, password in result.logins:
            self.stdout.write(self.style.SUCCESS(f"{role} login: {username} / {password}"))
