"""Paper abstracts compressed with lz4 instead of PostgreSQL's default pglz.

Four abstracts in ten are long enough for PostgreSQL to compress them, and
pglz was a quarter of what loading papers cost the server; lz4 compresses
(and decompresses, on every page that shows an abstract) several times
faster.  PostgreSQL servers built without lz4 keep pglz; other databases have
nothing to change.
"""
from django.db import migrations


def _lz4_available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        return cursor.fetchone() is not None


def compress_with(method):
    def operation(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor == "postgresql" and _lz4_available(connection):
            schema_editor.execute(f"ALTER TABLE papers_paper ALTER COLUMN abstract SET COMPRESSION {method}")
    return operation


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0012_authorship_without_db_constraints"),
    ]

    operations = [
        migrations.RunPython(compress_with("lz4"), compress_with("pglz")),
    ]
