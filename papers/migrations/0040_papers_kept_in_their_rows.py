"""A paper's search vector and abstract kept in its own row, not in TOAST.

A search for a common word walks the published papers newest first and
tests each one's vector until a hundred match: ~700 papers for a word in one
paper of eight.  A vector is ~4 kB, which PostgreSQL moves out of the row
(past ``toast_tuple_target``, 2 kB by default) and cannot compress, so each
test was a TOAST index lookup and two or three chunk reads besides the row.
With the target at its largest (8160 bytes) a paper's row keeps everything up
to a page: one page a paper, read once.  Rows larger than that still move
their biggest values out, as before.

Only rows written from now on take the new layout; a paper's row is written
again when its vector is (a new version, an entry's text).  Other databases
have nothing to change.
"""
from django.db import migrations

ROW_TARGET = 8160  # the largest toast_tuple_target PostgreSQL accepts: a whole page


def keep_in_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE papers_paper SET (toast_tuple_target = {ROW_TARGET})")


def default_target(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE papers_paper RESET (toast_tuple_target)")


class Migration(migrations.Migration):

    dependencies = [
        ("papers", "0039_tags_without_slug"),
    ]

    operations = [
        migrations.RunPython(keep_in_row, default_target),
    ]
