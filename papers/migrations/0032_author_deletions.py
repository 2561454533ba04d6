"""A counter of the statements that deleted authors, kept by a trigger (PostgreSQL only).

An import keeps the ids of the authors it has seen from one batch to the next
and, since authorships have no foreign-key constraints, used to look up every
one of them again after each batch's COPY, in case an author had been deleted
meanwhile: a tenth of the server's time in a snapshot import.  Now it reads
this counter instead and looks the authors up only when it moved
(``papers.services.bulk.insert_authorships``).  The counter moves for any
DELETE or TRUNCATE of the table, from the desk, a script or psql; a sequence,
because its value is seen by every session at once, committed or not.
"""
from django.db import migrations

CREATE = """
CREATE SEQUENCE IF NOT EXISTS papers_author_deletions;
CREATE OR REPLACE FUNCTION papers_author_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('papers_author_deletions');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS papers_author_deleted ON papers_author;
CREATE TRIGGER papers_author_deleted AFTER DELETE OR TRUNCATE ON papers_author
    FOR EACH STATEMENT EXECUTE FUNCTION papers_author_deleted();
"""
DROP = """
DROP TRIGGER IF EXISTS papers_author_deleted ON papers_author;
DROP FUNCTION IF EXISTS papers_author_deleted();
DROP SEQUENCE IF EXISTS papers_author_deletions;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0031_recount_published_schedule"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
