"""``manage.py demo``: the seed digests imported and published, and an admin login."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from papers.services.ingest import IngestOptions, import_sources

SEEDS = settings.BASE_DIR / "demo" / "seeds"


class Command(BaseCommand):
    help = "Import and publish the demo digests (idempotent) and (re)set the demo admin's password."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        batch = import_sources([str(SEEDS)], options=IngestOptions(publish=True), started_by="demo")
        self.stdout.write(
            f"demo content: {batch.created} created, {batch.updated} updated, "
            f"{batch.unchanged} unchanged, {batch.failed} failed (import batch #{batch.pk})"
        )
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=opts["username"], defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"admin login: {user.username} / {password}"))
