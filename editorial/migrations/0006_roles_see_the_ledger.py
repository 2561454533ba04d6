"""Editors and reviewers read the announcement ledger (Papers › Fetch days), as they read import batches."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION = "view_fetchday"
ROLES = ["Editor", "Reviewer"]


def grant(apps, schema_editor):
    papers = apps.get_app_config("papers")
    papers.models_module = True
    create_permissions(papers, apps=apps, verbosity=0)  # permissions are normally created after migrations
    papers.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="papers", codename=PERMISSION)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="papers", codename=PERMISSION))


class Migration(migrations.Migration):
    dependencies = [("editorial", "0005_error_report_roles"), ("papers", "0020_fetch_day_ledger")]
    operations = [migrations.RunPython(grant, revoke)]
