"""An index of taggit's tagged items by tag, then object: a tag's newest papers without reading all of them.

Related papers take the newest papers of each tag the paper has
(``PaperQuerySet.related_to``); with only taggit's index on the tag, a tag
on a third of a million papers was read whole and sorted for each page view.
taggit's own model is not ours to change, so the index is created here, by name.
"""
from django.db import migrations

INDEX = "papers_taggeditem_tag_newest"


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0034_summaries_latest_published_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
