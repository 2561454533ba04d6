"""Tags saved with an empty slug (a name of punctuation only) get one, so that a link to them can be made.

New tags get theirs when saved (``papers.signals.tag_slug_never_empty``); each
existing one becomes ``tag-<id>`` (``_`` added until no other tag has it).
"""
from django.db import migrations


def give_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    for tag in Tag.objects.filter(slug=""):
        slug = f"tag-{tag.pk}"
        while Tag.objects.filter(slug=slug).exists():
            slug += "_"
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0038_on_site_follows_moved_entries"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(give_slugs, migrations.RunPython.noop)]
