"""The Celery app.

Configuration lives in Django settings under the ``CELERY_`` prefix; without a
``REDIS_URL`` the settings make every task run eagerly in-process, so the demo
needs no broker.
"""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("paperdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def warm_up(**kwargs):
    """Load the summarizer client and jieba's dictionary before the first task, not during it."""
    from papers.services.search_index import load_jieba
    from papers.summarizers import get_backend

    get_backend()
    load_jieba()
