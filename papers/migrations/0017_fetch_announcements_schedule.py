"""The scheduled fetch reads arXiv's announcement feeds instead of a search API query.

arXiv's feeds change at midnight US Eastern time (04:00 or 05:00 UTC), Monday
to Friday; the fetch runs at 05:30 UTC on those days.  The row keeps its id,
so an editor's changes to it (enabled, queue) survive.
"""
from django.db import migrations

OLD = {"name": "Fetch new arXiv papers (default query)", "task": "papers.fetch_arxiv"}
NEW = {"name": "Fetch arXiv's daily announcements", "task": "papers.fetch_announcements"}


def use_announcements(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    weekdays, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="5", day_of_week="1-5", day_of_month="*",
                                                        month_of_year="*", timezone="UTC")
    updated = PeriodicTask.objects.filter(name=OLD["name"], task=OLD["task"]).update(
        name=NEW["name"], task=NEW["task"], crontab=weekdays, kwargs="{}")
    if not updated:
        PeriodicTask.objects.get_or_create(
            name=NEW["name"], defaults={"task": NEW["task"], "crontab": weekdays, "kwargs": "{}", "queue": "fetch"})


def use_search_query(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="1", day_of_week="*", day_of_month="*",
                                                     month_of_year="*", timezone="UTC")
    PeriodicTask.objects.filter(name=NEW["name"], task=NEW["task"]).update(
        name=OLD["name"], task=OLD["task"], crontab=daily, kwargs='{"query_name": "default"}')


class Migration(migrations.Migration):
    dependencies = [("papers", "0016_topic_alias_and_notes"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(use_announcements, use_search_query)]
