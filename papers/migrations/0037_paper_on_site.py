"""Whether readers see a paper, mirrored onto the paper row by triggers (PostgreSQL only), and its date index.

A search for a common word walks the papers newest first along the date index
and stops at the hundredth match (``papers.site.search``).  Whether a paper is
published lives on its entry, so the walk used to read the search vector of
every paper on its way, drafts included: the desk's newest papers are its
drafts, and at a million papers a day's 2,000 drafts were two thirds of a
common word's search.  With the fact on the paper row, the walk follows a
partial index of the published papers only.

The column is the database's, not the model's: Django never writes it, so a
paper saved from a stale copy cannot undo a publish.  Statement triggers on
the entries keep it for every writer (the desk, an import, a script, psql):
after an INSERT, UPDATE, DELETE or TRUNCATE of ``papers_summary`` the touched
papers' flags are recomputed from their entries, and only those that differ
are written.

The column comes in as true for every paper, which PostgreSQL adds without
rewriting the table, and only the papers not published are then written: on
an archive that is mostly published, a handful of rows rather than all of
them (each rewritten row enters every index again, the search index too).
New papers start false: a paper has no entry when it is inserted.
"""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION papers_paper_on_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE papers_paper SET on_site = false WHERE on_site;
        RETURN NULL;
    END IF;
    UPDATE papers_paper AS p SET on_site = NOT p.on_site
    FROM (SELECT DISTINCT paper_id FROM changed) AS c
    WHERE p.id = c.paper_id AND p.on_site <> EXISTS (
        SELECT 1 FROM papers_summary AS s WHERE s.paper_id = p.id AND s.status = 'published');
    RETURN NULL;
END $$;
"""
CREATE = f"""
ALTER TABLE papers_paper ADD COLUMN IF NOT EXISTS on_site boolean NOT NULL DEFAULT true;
UPDATE papers_paper AS p SET on_site = false WHERE NOT EXISTS (
    SELECT 1 FROM papers_summary AS s WHERE s.paper_id = p.id AND s.status = 'published');
ALTER TABLE papers_paper ALTER COLUMN on_site SET DEFAULT false;
CREATE INDEX IF NOT EXISTS papers_paper_on_site_newest ON papers_paper (published DESC, arxiv_id DESC) WHERE on_site;
{FUNCTION}
DROP TRIGGER IF EXISTS papers_summary_inserted_on_site ON papers_summary;
CREATE TRIGGER papers_summary_inserted_on_site AFTER INSERT ON papers_summary
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
DROP TRIGGER IF EXISTS papers_summary_updated_on_site ON papers_summary;
CREATE TRIGGER papers_summary_updated_on_site AFTER UPDATE ON papers_summary
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
DROP TRIGGER IF EXISTS papers_summary_deleted_on_site ON papers_summary;
CREATE TRIGGER papers_summary_deleted_on_site AFTER DELETE ON papers_summary
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
DROP TRIGGER IF EXISTS papers_summary_truncated_on_site ON papers_summary;
CREATE TRIGGER papers_summary_truncated_on_site AFTER TRUNCATE ON papers_summary
    FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
"""
DROP = """
DROP TRIGGER IF EXISTS papers_summary_inserted_on_site ON papers_summary;
DROP TRIGGER IF EXISTS papers_summary_updated_on_site ON papers_summary;
DROP TRIGGER IF EXISTS papers_summary_deleted_on_site ON papers_summary;
DROP TRIGGER IF EXISTS papers_summary_truncated_on_site ON papers_summary;
DROP FUNCTION IF EXISTS papers_paper_on_site();
DROP INDEX IF EXISTS papers_paper_on_site_newest;
ALTER TABLE papers_paper DROP COLUMN IF EXISTS on_site;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0036_authorships_by_author_and_paper"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
