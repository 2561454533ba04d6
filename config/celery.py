"""The Celery app.

Configuration lives in Django settings under the ``CELERY_`` prefix; without a
``REDIS_URL`` the settings make every task run eagerly in-process, so the demo
needs no broker.
"""
import os

from celery import Celery, signals
from celery.fixups.django import DjangoFixup, DjangoWorkerFixup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


class ConnectionKeepingWorkerFixup(DjangoWorkerFixup):
    """Between tasks, a database connection lives as long as ``CONN_MAX_AGE`` says, as between requests.

    Celery's own fixup closes every connection before and after each task, so a
    worker opened a PostgreSQL connection (a server process, authentication, the
    statements prepared again) for every task, whatever ``CONN_MAX_AGE`` said.
    Django's ``close_old_connections`` closes one only when it is past its age,
    failed, or fails its health check (``CONN_HEALTH_CHECKS``).
    """

    def close_database(self, **kwargs):
        from django.db import close_old_connections

        close_old_connections()


class ConnectionKeepingFixup(DjangoFixup):
    @property
    def worker_fixup(self):
        if self._worker_fixup is None:
            self._worker_fixup = ConnectionKeepingWorkerFixup(self.app)
        return self._worker_fixup


def django_fixup(app):
    return ConnectionKeepingFixup(app).install()


app = Celery("paperdesk", fixups=[django_fixup])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def warm_up(**kwargs):
    """Load the summarizer client and jieba's dictionary before the first task, not during it."""
    from papers.services.search_index import load_jieba
    from papers.summarizers import get_backend

    get_backend()
    load_jieba()
