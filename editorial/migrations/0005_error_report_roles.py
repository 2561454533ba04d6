"""Editors and reviewers handle readers' error reports: see them, take them, resolve them."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = ["papers.view_errorreport", "papers.change_errorreport", "papers.view_correction"]
ROLES = ("Editor", "Reviewer")


def add_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are normally created after migrations
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = [Permission.objects.get(content_type__app_label=dotted.split(".")[0], codename=dotted.split(".")[1])
             for dotted in ADDED]
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*perms)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="papers",
                                      codename__in=[dotted.split(".")[1] for dotted in ADDED])
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0004_history_merge_conflicts"),
        ("papers", "0019_error_reports_corrections_author_index"),
    ]
    operations = [migrations.RunPython(add_permissions, remove_permissions)]
