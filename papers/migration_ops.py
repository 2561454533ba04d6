"""Operations the papers migrations share."""
from __future__ import annotations

from django.db import migrations


def postgres_only(create: str, drop: str) -> migrations.RunPython:
    """Run ``create`` (``drop`` to reverse) on PostgreSQL only: functions and triggers the SQLite demo has no use for."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)

    return migrations.RunPython(forwards, backwards)
