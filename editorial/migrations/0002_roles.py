"""The desk's roles.  Superusers can do everything without a group.

Editor: read everything, edit entries, submit them for review.
Reviewer: what an editor can, and approve, request changes, publish, unpublish, edit digests.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = [
    "papers.view_paper", "papers.view_topic", "papers.view_author", "papers.view_generation",
    "papers.view_importbatch", "papers.view_summary", "papers.change_summary", "papers.view_digest",
    "editorial.view_auditentry", "editorial.view_historicalsummary", "editorial.submit_entry",
]
REVIEWER = EDITOR + ["papers.change_digest", "editorial.review_entry", "editorial.publish_entry"]
ROLES = {"Editor": EDITOR, "Reviewer": REVIEWER}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("papers", "0004_editorial_fields"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
