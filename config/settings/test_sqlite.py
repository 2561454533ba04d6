"""Settings of the SQLite job (``tests/sqlite``): the demo's configuration, explicitly.

SQLite, no Redis: the local-memory cache, and Celery tasks run in-process, as
``make demo`` runs the site.  Nothing here comes from DATABASE_URL or REDIS_URL,
so a shell set up for the PostgreSQL suite cannot turn this job into another
PostgreSQL run.  pytest-django tests against an in-memory database migrated at
the start of the run and never opens the file named below; a temporary folder
keeps anything else run with these settings away from the demo's db.sqlite3.
"""
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(Path(tempfile.gettempdir()) / "paperdesk-sqlite-job.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,  # noqa: F405 - the demo's: concurrent writers wait for the lock
    },
}
REDIS_URL = ""
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
