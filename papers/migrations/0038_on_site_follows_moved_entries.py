"""``on_site`` also follows an entry moved to another paper (PostgreSQL only).

The public search asks ``on_site`` alone whether a paper is published, without
joining the entries (``Paper.objects.searchable``), so the flag must be right
for every write.  An UPDATE that gave an entry another paper recomputed the
flag of the paper it went to but not of the one it left, which kept showing
as published.  The UPDATE trigger now reads the rows before the change too.
"""
from django.db import migrations

# The function as 0037 made it, from its parts; this migration adds the UPDATE branch between them.
TRUNCATED = """
CREATE OR REPLACE FUNCTION papers_paper_on_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE papers_paper SET on_site = false WHERE on_site;
        RETURN NULL;
    END IF;
"""
MOVED = """
    IF TG_OP = 'UPDATE' THEN
        UPDATE papers_paper AS p SET on_site = NOT p.on_site
        FROM (SELECT paper_id FROM changed UNION SELECT paper_id FROM before_change) AS c
        WHERE p.id = c.paper_id AND p.on_site <> EXISTS (
            SELECT 1 FROM papers_summary AS s WHERE s.paper_id = p.id AND s.status = 'published');
        RETURN NULL;
    END IF;
"""
CHANGED = """
    UPDATE papers_paper AS p SET on_site = NOT p.on_site
    FROM (SELECT DISTINCT paper_id FROM changed) AS c
    WHERE p.id = c.paper_id AND p.on_site <> EXISTS (
        SELECT 1 FROM papers_summary AS s WHERE s.paper_id = p.id AND s.status = 'published');
    RETURN NULL;
END $$;
"""
FORWARD = TRUNCATED + MOVED + CHANGED + """
DROP TRIGGER IF EXISTS papers_summary_updated_on_site ON papers_summary;
CREATE TRIGGER papers_summary_updated_on_site AFTER UPDATE ON papers_summary
    REFERENCING OLD TABLE AS before_change NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
"""
# Back to 0037's function and trigger: the UPDATE branch reads a table only this migration's trigger names.
BACKWARD = TRUNCATED + CHANGED + """
DROP TRIGGER IF EXISTS papers_summary_updated_on_site ON papers_summary;
CREATE TRIGGER papers_summary_updated_on_site AFTER UPDATE ON papers_summary
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION papers_paper_on_site();
"""

def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0037_paper_on_site"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
